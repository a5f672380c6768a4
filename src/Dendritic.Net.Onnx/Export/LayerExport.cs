using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>Writes the layers with weights or shapes: Linear, convolutions, normalisation, pooling, Flatten, Dropout.</summary>
internal static class LayerExport
{
    /// <summary>The module's output name, or null when this converter does not know the module's type.</summary>
    public static string? TryEmit(OnnxGraphBuilder builder, nn.Module module, string input, Tensor? sample)
    {
        switch (module)
        {
            case Conv1d or Conv2d or Conv3d when SamePadding.IsAsymmetric((Convolution)module):
                var conv = (Convolution)module;
                return ProjectionExport.Emit(builder, module, SamePadding.UnpaddedSpec(conv), input, sample?.dim() ?? conv.kernel_size.Length + 2, conv.weight!, conv.bias, SamePadding.Pads(conv));
            case Linear or Conv1d or Conv2d or Conv3d:
                var spec = Spec(builder, module);
                var rank = sample?.dim() ?? (spec.Kind == HostKind.Linear ? 0 : spec.SpatialDims + 2);
                return module is Linear linear
                    ? ProjectionExport.Emit(builder, module, spec, input, rank, linear.weight!, linear.bias)
                    : ProjectionExport.Emit(builder, module, spec, input, rank, ((Convolution)module).weight!, ((Convolution)module).bias);
            case Dropout or Dropout1d or Dropout2d or Dropout3d or AlphaDropout or FeatureAlphaDropout or Identity:
                // Inference semantics: dropout is the identity.
                return input;
            case BatchNorm norm:
                return BatchNorm(builder, norm, input);
            case LayerNorm norm:
                return LayerNorm(builder, norm, input);
            case Embedding embedding:
                return Embedding(builder, embedding, input, sample);
            case Flatten flatten:
                return Flatten(builder, flatten, input, sample);
            case MaxPool1d pool:
                return MaxPool(builder, new[] { pool.kernel_size }, new[] { pool.stride ?? pool.kernel_size }, new[] { pool.padding ?? 0 }, new[] { pool.dilation ?? 1 }, pool.ceil_mode, input);
            case MaxPool2d pool:
                return MaxPool(builder, pool.kernel_size, pool.stride ?? pool.kernel_size, pool.padding ?? new long[2], pool.dilation ?? new long[] { 1, 1 }, pool.ceil_mode, input);
            case MaxPool3d pool:
                return MaxPool(builder, pool.kernel_size, pool.stride ?? pool.kernel_size, pool.padding ?? new long[3], pool.dilation ?? new long[] { 1, 1, 1 }, pool.ceil_mode, input);
            case AvgPool1d pool:
                return AvgPool(builder, new[] { pool.kernel_size }, new[] { pool.stride ?? pool.kernel_size }, new[] { pool.padding ?? 0 }, pool.ceil_mode, pool.count_include_pad, input);
            case AvgPool2d pool:
                return pool.divisor_override is null
                    ? AvgPool(builder, pool.kernel_size, pool.stride ?? pool.kernel_size, pool.padding ?? new long[2], pool.ceil_mode, pool.count_include_pad, input)
                    : throw builder.Error(module, "divisor_override has no ONNX equivalent; leave it unset.");
            case AvgPool3d pool:
                return pool.divisor_override is null
                    ? AvgPool(builder, pool.kernel_size, pool.stride ?? pool.kernel_size, pool.padding ?? new long[3], pool.ceil_mode, pool.count_include_pad, input)
                    : throw builder.Error(module, "divisor_override has no ONNX equivalent; leave it unset.");
            case AdaptiveAvgPool1d pool:
                return AdaptiveAvgPool(builder, module, new[] { pool.output_size }, input, sample);
            case AdaptiveAvgPool2d pool:
                return AdaptiveAvgPool(builder, module, pool.output_size, input, sample);
            case AdaptiveAvgPool3d pool:
                return AdaptiveAvgPool(builder, module, pool.output_size, input, sample);
            default:
                return null;
        }
    }

    private static HostLayerSpec Spec(OnnxGraphBuilder builder, nn.Module module)
    {
        try
        {
            return HostLayerSpec.From(module, builder.Path);
        }
        catch (UnsupportedHostException e)
        {
            throw builder.Error(module, e.Message);
        }
    }

    private static string BatchNorm(OnnxGraphBuilder builder, BatchNorm norm, string input)
    {
        if (!norm.track_running_stats || norm.running_mean is null || norm.running_var is null)
        {
            throw builder.Error(norm, "a BatchNorm without running statistics normalises with batch statistics even in inference, which ONNX BatchNormalization cannot do. Build it with track_running_stats: true.");
        }

        var features = norm.num_features;
        using var ones = torch.ones(features);
        using var zeros = torch.zeros(features);
        var scale = builder.AddInitializer(norm.weight is null ? ones : norm.weight, "weight");
        var shift = builder.AddInitializer(norm.bias is null ? zeros : norm.bias, "bias");
        var mean = builder.AddInitializer(norm.running_mean, "running_mean");
        var variance = builder.AddInitializer(norm.running_var, "running_var");
        return builder.AddNode("BatchNormalization", new[] { input, scale, shift, mean, variance }, new Dictionary<string, object> { ["epsilon"] = norm.eps });
    }

    private static string LayerNorm(OnnxGraphBuilder builder, LayerNorm norm, string input)
    {
        var shape = norm.normalized_shape;
        using var ones = torch.ones(shape);
        using var zeros = torch.zeros(shape);
        var scale = builder.AddInitializer(norm.weight is null ? ones : norm.weight, "weight");
        var shift = builder.AddInitializer(norm.bias is null ? zeros : norm.bias, "bias");
        return builder.AddNode("LayerNormalization", new[] { input, scale, shift }, new Dictionary<string, object>
        {
            ["axis"] = -(long)shape.Length,
            ["epsilon"] = norm.eps,
        });
    }

    private static string Embedding(OnnxGraphBuilder builder, Embedding embedding, string input, Tensor? sample)
    {
        if (sample is not null && sample.is_floating_point())
        {
            throw builder.Error(embedding, $"an Embedding looks up integer token indices, but its input here is {sample.dtype}. Export with an int64 sample input (the graph input is then int64).");
        }

        // Row lookup: output[..., :] = weight[index, :]. padding_idx only changes gradients, so inference ignores it.
        var weight = builder.AddInitializer(embedding.weight!, "weight");
        return builder.AddNode("Gather", new[] { weight, input }, new Dictionary<string, object> { ["axis"] = 0L });
    }

    private static string Flatten(OnnxGraphBuilder builder, Flatten flatten, string input, Tensor? sample)
    {
        if (flatten.start_dim == 1 && flatten.end_dim == -1)
        {
            return builder.AddNode("Flatten", new[] { input }, new Dictionary<string, object> { ["axis"] = 1L });
        }

        var shape = ModuleExport.ShapeOf(builder, flatten, sample);
        var start = flatten.start_dim < 0 ? flatten.start_dim + shape.Length : flatten.start_dim;
        var end = flatten.end_dim < 0 ? flatten.end_dim + shape.Length : flatten.end_dim;

        // Reshape copies the leading axes (0 = keep, so the batch stays dynamic), merges [start, end] and fixes the rest.
        var target = Enumerable.Repeat(0L, (int)start).Append(-1L).Concat(shape.Skip((int)end + 1)).ToArray();
        return builder.AddNode("Reshape", new[] { input, builder.AddInt64s("shape", target) });
    }

    private static string MaxPool(OnnxGraphBuilder builder, long[] kernel, long[] stride, long[] padding, long[] dilation, bool ceil, string input) =>
        builder.AddNode("MaxPool", new[] { input }, new Dictionary<string, object>
        {
            ["kernel_shape"] = kernel,
            ["strides"] = stride,
            ["pads"] = padding.Concat(padding).ToArray(),
            ["dilations"] = dilation,
            ["ceil_mode"] = ceil ? 1L : 0L,
        });

    private static string AvgPool(OnnxGraphBuilder builder, long[] kernel, long[] stride, long[] padding, bool ceil, bool countIncludePad, string input) =>
        builder.AddNode("AveragePool", new[] { input }, new Dictionary<string, object>
        {
            ["kernel_shape"] = kernel,
            ["strides"] = stride,
            ["pads"] = padding.Concat(padding).ToArray(),
            ["ceil_mode"] = ceil ? 1L : 0L,
            ["count_include_pad"] = countIncludePad ? 1L : 0L,
        });

    private static string AdaptiveAvgPool(OnnxGraphBuilder builder, nn.Module module, long[] outputSize, string input, Tensor? sample)
    {
        if (outputSize.All(s => s == 1))
        {
            return builder.AddNode("GlobalAveragePool", new[] { input });
        }

        var shape = ModuleExport.ShapeOf(builder, module, sample);
        var spatial = shape.Skip(shape.Length - outputSize.Length).ToArray();
        if (spatial.Zip(outputSize).All(p => p.First % p.Second == 0))
        {
            var kernel = spatial.Zip(outputSize, (i, o) => i / o).ToArray();
            return AvgPool(builder, kernel, kernel, new long[kernel.Length], false, true, input);
        }

        if (outputSize.Length > 2)
        {
            throw builder.Error(module, $"adaptive pooling from [{string.Join(", ", spatial)}] to [{string.Join(", ", outputSize)}] uses uneven windows, which the exporter writes for 1-D and 2-D pooling only. Use an output size that divides the input size, or 1.");
        }

        // Uneven (or overlapping, or growing) windows: adaptive average pooling is separable, so it is one averaging
        // matrix per axis. X [.., W] MatMul A_w [W, Ow] pools the last axis; A_h [Oh, H] MatMul that pools the one before.
        using var columns = AveragingMatrix(spatial[^1], outputSize[^1]);
        using var columnsT = columns.t();
        var output = builder.AddNode("MatMul", new[] { input, builder.AddInitializer(columnsT, "pool_w") });
        if (outputSize.Length == 1)
        {
            return output;
        }

        using var rows = AveragingMatrix(spatial[0], outputSize[0]);
        return builder.AddNode("MatMul", new[] { builder.AddInitializer(rows, "pool_h"), output });
    }

    /// <summary>[output, input]: row i averages PyTorch's adaptive window i, [floor(i I / O), ceil((i + 1) I / O)).</summary>
    private static Tensor AveragingMatrix(long inputSize, long outputSize)
    {
        var matrix = new double[outputSize * inputSize];
        for (var i = 0L; i < outputSize; i++)
        {
            var start = i * inputSize / outputSize;
            var end = (((i + 1) * inputSize) + outputSize - 1) / outputSize;
            for (var j = start; j < end; j++)
            {
                matrix[(i * inputSize) + j] = 1.0 / (end - start);
            }
        }

        return torch.tensor(matrix, new[] { outputSize, inputSize });
    }
}
