using System;
using System.Collections.Generic;
using Dendritic.Onnx.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// Descriptions built from the operators the check computes: each one passes the check (the evaluator agrees with
/// TorchSharp's forward on the sample) and its file agrees with TorchSharp in ONNX Runtime at another batch size (so
/// the evaluator reads each operator as ONNX Runtime does, defaults included).
/// </summary>
public class DescribedOperatorTests
{
    public static IEnumerable<TestCaseData> Steps()
    {
        yield return Step("MaxPool with padding, dilation and ceil mode", 4, h => nn.functional.max_pool2d(h, new long[] { 3, 3 }, new long[] { 2, 2 }, new long[] { 1, 1 }, new long[] { 1, 2 }, ceil_mode: true),
            (b, h) => b.AddNode("MaxPool", new[] { h }, new Dictionary<string, object> { ["kernel_shape"] = new long[] { 3, 3 }, ["strides"] = new long[] { 2, 2 }, ["pads"] = new long[] { 1, 1, 1, 1 }, ["dilations"] = new long[] { 1, 2 }, ["ceil_mode"] = 1L }));
        yield return Step("AveragePool without the padding in the count", 4, h => nn.functional.avg_pool2d(h, new long[] { 3, 3 }, new long[] { 2, 2 }, new long[] { 1, 1 }, count_include_pad: false),
            (b, h) => b.AddNode("AveragePool", new[] { h }, new Dictionary<string, object> { ["kernel_shape"] = new long[] { 3, 3 }, ["strides"] = new long[] { 2, 2 }, ["pads"] = new long[] { 1, 1, 1, 1 } }));
        yield return Step("AveragePool 1-D", 3, h => nn.functional.avg_pool1d(h, 2, 2),
            (b, h) => b.AddNode("AveragePool", new[] { h }, new Dictionary<string, object> { ["kernel_shape"] = new long[] { 2 }, ["strides"] = new long[] { 2 } }));
        yield return Step("GlobalMaxPool, then Flatten", 4, h => nn.functional.adaptive_max_pool2d(h, new long[] { 1, 1 }).flatten(1),
            (b, h) => b.AddNode("Flatten", new[] { b.AddNode("GlobalMaxPool", new[] { h }) }));
        yield return Step("Flatten from axis 2", 4, h => h.flatten(2),
            (b, h) => b.AddNode("Reshape", new[] { h, Int64s(b, 0, 0, -1) }));
        yield return Step("Transpose and Reshape", 4, h => h.permute(0, 2, 3, 1).reshape(h.shape[0], -1, 3),
            (b, h) => b.AddNode("Reshape", new[] { b.AddNode("Transpose", new[] { h }, new Dictionary<string, object> { ["perm"] = new long[] { 0, 2, 3, 1 } }), Int64s(b, 0, -1, 3) }));
        yield return Step("Concat of the input and its ReLU", 3, h => torch.cat(new[] { h, h.relu() }, -1),
            (b, h) => b.AddNode("Concat", new[] { h, b.AddNode("Relu", new[] { h }) }, new Dictionary<string, object> { ["axis"] = -1L }));
        yield return Step("Unsqueeze then Squeeze", 2, h => h.unsqueeze(1).squeeze(1) * 2,
            (b, h) => b.AddNode("Add", new[] { h, b.AddNode("Squeeze", new[] { b.AddNode("Unsqueeze", new[] { h, Int64s(b, 1) }), Int64s(b, 1) }) }));
        yield return Step("Gather of the last step", 3, h => h.select(1, -1),
            (b, h) => b.AddNode("Gather", new[] { h, Scalar(b, -1) }, new Dictionary<string, object> { ["axis"] = 1L }));
        yield return Step("Slice with a step", 3, h => h.slice(1, 1, 4, 2),
            (b, h) => b.AddNode("Slice", new[] { h, Int64s(b, 1), Int64s(b, long.MaxValue), Int64s(b, 1), Int64s(b, 2) }));
        yield return Step("Softmax over the last axis", 3, h => h.softmax(-1),
            (b, h) => b.AddNode("Softmax", new[] { h }));
        yield return Step("LogSoftmax over axis 1", 3, h => h.log_softmax(1),
            (b, h) => b.AddNode("LogSoftmax", new[] { h }, new Dictionary<string, object> { ["axis"] = 1L }));
        yield return Step("HardSigmoid with PyTorch's constants", 2, h => nn.functional.hardsigmoid(h * 4),
            (b, h) => b.AddNode("HardSigmoid", new[] { b.AddNode("Mul", new[] { h, FloatScalar(b, 4) }) }, new Dictionary<string, object> { ["alpha"] = 1.0 / 6, ["beta"] = 0.5 }));
        yield return Step("Selu, LeakyRelu, Clip", 2, h => nn.functional.leaky_relu(nn.functional.selu(h * 3), 0.2).clamp(-1, 1),
            (b, h) => b.AddNode("Clip", new[] { b.AddNode("LeakyRelu", new[] { b.AddNode("Selu", new[] { b.AddNode("Mul", new[] { h, FloatScalar(b, 3) }) }) }, new Dictionary<string, object> { ["alpha"] = 0.2 }), FloatScalar(b, -1), FloatScalar(b, 1) }));
        yield return Step("ReduceMean without keepdims", 3, h => h.mean(new long[] { 1 }),
            (b, h) => b.AddNode("ReduceMean", new[] { h }, new Dictionary<string, object> { ["axes"] = new long[] { 1 }, ["keepdims"] = 0L }));
        yield return Step("ReduceSum over axes given as an input", 3, h => h.sum(new long[] { -1 }, keepdim: true),
            (b, h) => b.AddNode("ReduceSum", new[] { h, Int64s(b, -1) }));
        yield return Step("flatten(1) through Shape, Slice, Concat and Reshape, batch kept dynamic", 4, h => h.flatten(1),
            (b, h) => b.AddNode("Reshape", new[] { h, b.AddNode("Concat", new[] { b.AddNode("Slice", new[] { b.AddNode("Shape", new[] { h }), Int64s(b, 0), Int64s(b, 1) }), Int64s(b, -1) }, new Dictionary<string, object> { ["axis"] = 0L }) }));
        yield return Step("Conv with stride, pads, dilation and a bias", 4, h => nn.functional.conv2d(h, FixedTensors.Normal(1, 4, 3, 3, 2), FixedTensors.Normal(2, 4), new long[] { 2, 1 }, new long[] { 1, 1 }, new long[] { 1, 2 }),
            (b, h) => b.AddNode("Conv", new[] { h, FixedTensors.Initializer(b, 1, 4, 3, 3, 2), FixedTensors.Initializer(b, 2, 4) }, new Dictionary<string, object> { ["strides"] = new long[] { 2, 1 }, ["pads"] = new long[] { 1, 1, 1, 1 }, ["dilations"] = new long[] { 1, 2 } }));
        yield return Step("Conv grouped, pads uneven, no bias", 4, h => nn.functional.conv2d(nn.functional.pad(h, new long[] { 1, 0, 0, 1 }), FixedTensors.Normal(3, 6, 1, 2, 2), groups: 3),
            (b, h) => b.AddNode("Conv", new[] { h, FixedTensors.Initializer(b, 3, 6, 1, 2, 2) }, new Dictionary<string, object> { ["group"] = 3L, ["pads"] = new long[] { 0, 1, 1, 0 } }));
        yield return Step("Conv with auto_pad SAME_LOWER and stride 2", 4, h => nn.functional.conv2d(nn.functional.pad(h, new long[] { 1, 0, 1, 0 }), FixedTensors.Normal(4, 2, 3, 3, 3), strides: new long[] { 2, 2 }),
            (b, h) => b.AddNode("Conv", new[] { h, FixedTensors.Initializer(b, 4, 2, 3, 3, 3) }, new Dictionary<string, object> { ["auto_pad"] = "SAME_LOWER", ["strides"] = new long[] { 2, 2 } }));
        yield return Step("Conv 1-D with dilation and a bias", 3, h => nn.functional.conv1d(h, FixedTensors.Normal(5, 4, 5, 2), FixedTensors.Normal(6, 4), 1, 1, 2),
            (b, h) => b.AddNode("Conv", new[] { h, FixedTensors.Initializer(b, 5, 4, 5, 2), FixedTensors.Initializer(b, 6, 4) }, new Dictionary<string, object> { ["pads"] = new long[] { 1, 1 }, ["dilations"] = new long[] { 2 } }));
        yield return Step("Gemm with alpha, beta and transB", 2, h => (h.matmul(FixedTensors.Normal(7, 5, 6).t()) * 0.5) + (FixedTensors.Normal(8, 5) * 2),
            (b, h) => b.AddNode("Gemm", new[] { h, FixedTensors.Initializer(b, 7, 5, 6), FixedTensors.Initializer(b, 8, 5) }, new Dictionary<string, object> { ["alpha"] = 0.5, ["beta"] = 2.0, ["transB"] = 1L }));
        yield return Step("Gemm of the transposed input (transA)", 2, h => h.matmul(FixedTensors.Normal(9, 6, 5)),
            (b, h) => b.AddNode("Gemm", new[] { b.AddNode("Transpose", new[] { h }), FixedTensors.Initializer(b, 9, 6, 5) }, new Dictionary<string, object> { ["transA"] = 1L }));
        yield return Step("BatchNormalization with an epsilon", 4, h => nn.functional.batch_norm(h, FixedTensors.Normal(10, 3), FixedTensors.Normal(11, 3).abs() + 0.5, FixedTensors.Normal(12, 3), FixedTensors.Normal(13, 3), eps: 1e-3),
            (b, h) => b.AddNode("BatchNormalization", new[] { h, FixedTensors.Initializer(b, 12, 3), FixedTensors.Initializer(b, 13, 3), FixedTensors.Initializer(b, 10, 3), b.AddInitializer(FixedTensors.Normal(11, 3).abs() + 0.5, "var") }, new Dictionary<string, object> { ["epsilon"] = 1e-3 }));
        yield return Step("LayerNormalization over the last axis with an epsilon and a bias", 3, h => nn.functional.layer_norm(h, new long[] { 6 }, FixedTensors.Normal(14, 6), FixedTensors.Normal(15, 6), 1e-3),
            (b, h) => b.AddNode("LayerNormalization", new[] { h, FixedTensors.Initializer(b, 14, 6), FixedTensors.Initializer(b, 15, 6) }, new Dictionary<string, object> { ["epsilon"] = 1e-3 }));
        yield return Step("LayerNormalization over the last two axes, no bias", 3, h => nn.functional.layer_norm(h, new long[] { 5, 6 }, FixedTensors.Normal(16, 5, 6)),
            (b, h) => b.AddNode("LayerNormalization", new[] { h, FixedTensors.Initializer(b, 16, 5, 6) }, new Dictionary<string, object> { ["axis"] = -2L }));
        yield return Step("Pad constant with a value, uneven", 4, h => nn.functional.pad(h, new long[] { 1, 2, 0, 1 }, PaddingModes.Constant, 0.5),
            (b, h) => b.AddNode("Pad", new[] { h, Int64s(b, 0, 0, 0, 1, 0, 0, 1, 2), FloatScalar(b, 0.5f) }));
        yield return Step("Pad reflect on the spatial axes", 4, h => nn.functional.pad(h, new long[] { 2, 1, 1, 2 }, PaddingModes.Reflect),
            (b, h) => b.AddNode("Pad", new[] { h, Int64s(b, 0, 0, 1, 2, 0, 0, 2, 1) }, new Dictionary<string, object> { ["mode"] = "reflect" }));
        yield return Step("Pad edge on the spatial axes", 4, h => nn.functional.pad(h, new long[] { 0, 3, 2, 0 }, PaddingModes.Replicate),
            (b, h) => b.AddNode("Pad", new[] { h, Int64s(b, 0, 0, 2, 0, 0, 0, 0, 3) }, new Dictionary<string, object> { ["mode"] = "edge" }));
        yield return Step("LSTM, bidirectional, time first", 3, h => FixedRecurrent.Forward(true, h, 4, bidirectional: true, 17),
            (b, h) => FixedRecurrent.Node(b, h, true, 6, 4, bidirectional: true, 17, FixedRecurrent.LstmOrder));
        yield return Step("GRU with the reset after the recurrent product (PyTorch's)", 3, h => FixedRecurrent.Forward(false, h, 4, bidirectional: false, 18),
            (b, h) => FixedRecurrent.Node(b, h, false, 6, 4, bidirectional: false, 18, FixedRecurrent.GruOrder));
        yield return Step("Cast of the width (Shape's int64) to float, to divide by it", 2, h => h / h.shape[^1],
            (b, h) => b.AddNode("Div", new[] { h, b.AddNode("Cast", new[] { b.AddNode("Shape", new[] { h }, new Dictionary<string, object> { ["start"] = -1L }) }, new Dictionary<string, object> { ["to"] = 1L }) }));
    }

    [TestCaseSource(nameof(Steps))]
    public void Export_DescriptionWithOperator_PassesTheCheckAndMatchesTorchSharp(string name, int rank, Func<Tensor, Tensor> step, Func<OnnxGraphBuilder, string, string> describe)
    {
        _ = name;
        torch.manual_seed(950);
        using var model = new DescribedModule(6, step, describe);
        var logger = new RecordingLogger();

        var bytes = OnnxExporter.ExportToBytes(model, randn(Shape(2, rank)), new OnnxExportOptions { Logger = logger });

        logger.Entries.Should().BeEmpty("the check computes every operator of the description");
        using var input = randn(Shape(3, rank));
        Parity.ShouldRunLike(bytes, model, input);
    }

    private static TestCaseData Step(string name, int rank, Func<Tensor, Tensor> step, Func<OnnxGraphBuilder, string, string> describe) =>
        new TestCaseData(name, rank, step, describe).SetArgDisplayNames(name);

    /// <summary>[batch, 3, 6, 6], [batch, 5, 6] or [batch, 6]: the last axis is the Linear's 6 features.</summary>
    private static long[] Shape(long batch, int rank) => rank switch
    {
        4 => new[] { batch, 3L, 6, 6 },
        3 => new[] { batch, 5L, 6 },
        _ => new[] { batch, 6L },
    };

    private static string Int64s(OnnxGraphBuilder builder, params long[] values)
    {
        using var tensor = torch.tensor(values);
        return builder.AddInitializer(tensor, "ints");
    }

    private static string Scalar(OnnxGraphBuilder builder, long value)
    {
        using var tensor = torch.tensor(value);
        return builder.AddInitializer(tensor, "index");
    }

    private static string FloatScalar(OnnxGraphBuilder builder, float value)
    {
        using var tensor = torch.tensor(value);
        return builder.AddInitializer(tensor, "scalar");
    }
}
