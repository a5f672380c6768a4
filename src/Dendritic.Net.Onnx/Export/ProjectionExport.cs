using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>Writes a host-shaped projection (Linear as Gemm or MatMul, a convolution as Conv) for given weights.</summary>
internal static class ProjectionExport
{
    /// <summary>
    /// The projection of <paramref name="input"/> by <paramref name="weight"/> (shaped [out, in] or
    /// [out, in/groups, k...]) as the host computes it, padding mode included. A convolution is padded by
    /// <paramref name="pads"/> when given (ONNX's order: every axis's begin, then every axis's end), else by the spec's
    /// symmetric padding.
    /// </summary>
    public static string Emit(OnnxGraphBuilder builder, nn.Module module, HostLayerSpec spec, string input, long rank, Tensor weight, Tensor? bias, long[]? pads = null)
    {
        if (spec.Kind == HostKind.Linear)
        {
            if (rank == 2)
            {
                var inputs = new List<string> { input, builder.AddInitializer(weight, "weight") };
                if (bias is not null)
                {
                    inputs.Add(builder.AddInitializer(bias, "bias"));
                }

                return builder.AddNode("Gemm", inputs, new Dictionary<string, object> { ["transB"] = 1L });
            }

            // MatMul broadcasts over leading axes, so [batch, time, features] needs no reshape.
            using var transposed = weight.t();
            var product = builder.AddNode("MatMul", new[] { input, builder.AddInitializer(transposed, "weight_t") });
            return bias is null ? product : builder.AddNode("Add", new[] { product, builder.AddInitializer(bias, "bias") });
        }

        if (rank != spec.SpatialDims + 2)
        {
            throw builder.Error(module, $"a {spec.Kind} input must be batched (rank {spec.SpatialDims + 2}); the sample input has rank {rank}.");
        }

        pads ??= spec.Padding.Concat(spec.Padding).ToArray();
        if (spec.PaddingMode != PaddingModes.Zeros && pads.Any(p => p != 0))
        {
            var mode = spec.PaddingMode switch
            {
                PaddingModes.Reflect => "reflect",
                PaddingModes.Replicate => "edge",
                _ => throw builder.Error(module, $"padding mode {spec.PaddingMode} has no ONNX opset {OnnxExporter.OpsetVersion} equivalent. Use zeros, reflect or replicate padding."),
            };

            // ONNX Pad lists all begins then all ends, batch and channel axes included.
            var padAmounts = new long[] { 0, 0 }.Concat(pads[..spec.SpatialDims]).Concat(new long[] { 0, 0 }).Concat(pads[spec.SpatialDims..]).ToArray();
            input = builder.AddNode("Pad", new[] { input, builder.AddInt64s("pads", padAmounts) }, new Dictionary<string, object> { ["mode"] = mode });
            pads = new long[pads.Length];
        }

        var convInputs = new List<string> { input, builder.AddInitializer(weight, "weight") };
        if (bias is not null)
        {
            convInputs.Add(builder.AddInitializer(bias, "bias"));
        }

        return builder.AddNode("Conv", convInputs, new Dictionary<string, object>
        {
            ["kernel_shape"] = spec.KernelSize.ToArray(),
            ["strides"] = spec.Stride.ToArray(),
            ["pads"] = pads,
            ["dilations"] = spec.Dilation.ToArray(),
            ["group"] = spec.Groups,
        });
    }
}
