using System;
using System.Collections.Generic;
using Dendritic.Onnx.Proto;
using Dendritic.Onnx.Tests.Support;
using FluentAssertions;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// Descriptions that write a layer's operator by hand (Conv, Gemm, BatchNormalization, LayerNormalization, Pad, LSTM,
/// GRU, Cast) and get it wrong are refused with the description's error, now that the check computes those operators
/// (before, they were written unchecked with warning 8000); an opset-18 form in this opset-17 file is still written
/// unchecked, and ONNX Runtime indeed refuses it.
/// </summary>
public class DescribedLayerCheckTests
{
    public static IEnumerable<TestCaseData> WrongDescriptions()
    {
        yield return Wrong("Conv with stride 1 where forward strides 2", 4, h => nn.functional.conv2d(h, FixedTensors.Normal(1, 4, 3, 3, 3), FixedTensors.Normal(2, 4), new long[] { 2, 2 }, new long[] { 1, 1 }),
            (b, h) => b.AddNode("Conv", new[] { h, FixedTensors.Initializer(b, 1, 4, 3, 3, 3), FixedTensors.Initializer(b, 2, 4) }, new Dictionary<string, object> { ["pads"] = new long[] { 1, 1, 1, 1 } }),
            "has shape");
        yield return Wrong("Conv without forward's bias", 4, h => nn.functional.conv2d(h, FixedTensors.Normal(1, 4, 3, 3, 3), FixedTensors.Normal(2, 4), padding: new long[] { 1, 1 }),
            (b, h) => b.AddNode("Conv", new[] { h, FixedTensors.Initializer(b, 1, 4, 3, 3, 3) }, new Dictionary<string, object> { ["pads"] = new long[] { 1, 1, 1, 1 } }),
            "the largest difference is");
        yield return Wrong("Conv with the odd pad at the wrong end", 4, h => nn.functional.conv2d(nn.functional.pad(h, new long[] { 0, 1, 0, 1 }), FixedTensors.Normal(1, 4, 3, 2, 2)),
            (b, h) => b.AddNode("Conv", new[] { h, FixedTensors.Initializer(b, 1, 4, 3, 2, 2) }, new Dictionary<string, object> { ["pads"] = new long[] { 1, 1, 0, 0 } }),
            "the largest difference is");
        yield return Wrong("Gemm of a Linear with transB left at 0", 2, h => nn.functional.linear(h, FixedTensors.Normal(3, 6, 6), FixedTensors.Normal(4, 6)),
            (b, h) => b.AddNode("Gemm", new[] { h, FixedTensors.Initializer(b, 3, 6, 6), FixedTensors.Initializer(b, 4, 6) }),
            "the largest difference is");
        yield return Wrong("BatchNormalization with mean and variance swapped", 4, h => nn.functional.batch_norm(h, FixedTensors.Normal(5, 3), FixedTensors.Normal(6, 3).abs() + 0.5, FixedTensors.Normal(7, 3), FixedTensors.Normal(8, 3)),
            (b, h) => b.AddNode("BatchNormalization", new[] { h, FixedTensors.Initializer(b, 7, 3), FixedTensors.Initializer(b, 8, 3), b.AddInitializer(FixedTensors.Normal(6, 3).abs() + 0.5, "var"), FixedTensors.Initializer(b, 5, 3) }),
            "the largest difference is");
        yield return Wrong("LayerNormalization with ONNX's default epsilon where forward's is 0.5", 2, h => nn.functional.layer_norm(h, new long[] { 6 }, FixedTensors.Normal(9, 6), eps: 0.5),
            (b, h) => b.AddNode("LayerNormalization", new[] { h, FixedTensors.Initializer(b, 9, 6) }),
            "the largest difference is");
        yield return Wrong("LayerNormalization over the last axis where forward normalises the last two", 3, h => nn.functional.layer_norm(h, new long[] { 5, 6 }),
            (b, h) => b.AddNode("LayerNormalization", new[] { h, b.AddInitializer(torch.ones(6), "scale") }),
            "the largest difference is");
        yield return Wrong("Pad with a begin and an end swapped", 4, h => nn.functional.pad(h, new long[] { 1, 0, 0, 0 }),
            (b, h) => b.AddNode("Pad", new[] { h, b.AddInitializer(torch.tensor(new long[] { 0, 0, 0, 0, 0, 0, 0, 1 }), "pads") }),
            "the largest difference is");
        yield return Wrong("Pad by one less than forward", 4, h => nn.functional.pad(h, new long[] { 2, 2, 2, 2 }, PaddingModes.Reflect),
            (b, h) => b.AddNode("Pad", new[] { h, b.AddInitializer(torch.tensor(new long[] { 0, 0, 1, 1, 0, 0, 1, 1 }), "pads") }, new Dictionary<string, object> { ["mode"] = "reflect" }),
            "has shape");
        yield return Wrong("LSTM with PyTorch's gate order (i, f, g, o) where ONNX's is (i, o, f, c)", 3, h => FixedRecurrent.Forward(true, h, 4, bidirectional: false, 10),
            (b, h) => FixedRecurrent.Node(b, h, true, 6, 4, bidirectional: false, 10, new long[] { 0, 1, 2, 3 }),
            "the largest difference is");
        yield return Wrong("GRU with the reset before the recurrent product, ONNX's default, where PyTorch's is after", 3, h => FixedRecurrent.Forward(false, h, 4, bidirectional: true, 11),
            (b, h) => FixedRecurrent.Node(b, h, false, 6, 4, bidirectional: true, 11, FixedRecurrent.GruOrder, new Dictionary<string, object> { ["linear_before_reset"] = 0L }),
            "the largest difference is");
        yield return Wrong("Cast of the output to double in a float32 model", 2, h => h.relu(),
            (b, h) => b.AddNode("Cast", new[] { b.AddNode("Relu", new[] { h }) }, new Dictionary<string, object> { ["to"] = (long)TensorProto.Types.DataType.Double }),
            "element type Float64, where forward's is Float32");
    }

    [TestCaseSource(nameof(WrongDescriptions))]
    public void Export_DescriptionWithAWrongLayerOperator_ThrowsNamingTheModule(string name, int rank, Func<Tensor, Tensor> step, Func<OnnxGraphBuilder, string, string> describe, string because)
    {
        _ = name;
        torch.manual_seed(970);
        using var model = new DescribedModule(6, step, describe);
        using var sample = randn(Shape(2, rank));
        var logger = new RecordingLogger();

        var act = () => OnnxExporter.ExportToBytes(model, sample, new OnnxExportOptions { Logger = logger });

        act.Should().Throw<OnnxExportException>().Where(e => e.ModuleType == nameof(DescribedModule))
            .WithMessage($"The model ({nameof(DescribedModule)}): its ExportOnnx description (IOnnxExportable) does not compute what the module's forward computes*{because}*");
        logger.Entries.Should().BeEmpty("the check computed the description instead of skipping it");
    }

    [TestCase("ReduceMean")]
    [TestCase("ReduceMax")]
    public void Export_ReduceWithOpset18AxesInput_LogsAWarningAndOnnxRuntimeRefusesTheFile(string opType)
    {
        // Opset 18 moved these operators' axes to an input; this exporter writes opset 17, where the attribute is the
        // only form. Computing the input form would pass the check on a file that does not load.
        torch.manual_seed(971);
        using var model = new DescribedModule(6, h => h.mean(new long[] { 1 }, keepdim: true), (b, h) =>
        {
            using var axes = tensor(new long[] { 1 });
            return b.AddNode(opType, new[] { h, b.AddInitializer(axes, "axes") });
        });
        using var sample = randn(2, 6);
        var logger = new RecordingLogger();

        var bytes = OnnxExporter.ExportToBytes(model, sample, new OnnxExportOptions { Logger = logger });

        logger.Entries.Should().ContainSingle(e => e.EventId == 8000).Which.Message.Should().Contain("opset 18").And.Contain("attribute 'axes'");
        using var input = randn(3, 6);
        var run = () => OnnxRun.Run(bytes, input);
        run.Should().Throw<OnnxRuntimeException>().WithMessage("*input size 2 not in range*");
    }

    private static TestCaseData Wrong(string name, int rank, Func<Tensor, Tensor> step, Func<OnnxGraphBuilder, string, string> describe, string because) =>
        new TestCaseData(name, rank, step, describe, because).SetArgDisplayNames(name);

    /// <summary>[batch, 3, 6, 6], [batch, 5, 6] or [batch, 6]: the last axis is the Linear's 6 features.</summary>
    private static long[] Shape(long batch, int rank) => rank switch
    {
        4 => new[] { batch, 3L, 6, 6 },
        3 => new[] { batch, 5L, 6 },
        _ => new[] { batch, 6L },
    };
}
