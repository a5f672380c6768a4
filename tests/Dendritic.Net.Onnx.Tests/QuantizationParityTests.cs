using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Dendritic.Onnx.Proto;
using Dendritic.Onnx.Quantization;
using Dendritic.Onnx.Tests.Support;
using Dendritic.Testing;
using FluentAssertions;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// Each model family with 0, 1 and 3 dendrite sets per layer is exported, quantized (static, calibrated on 8 random
/// batches; and dynamic; the default 7-bit weights) and run in ONNX Runtime next to the float file, on 256 fresh
/// random inputs of the same distribution. Tolerances: top-1 agreement at least <see cref="MinAgreement"/>, and the largest output difference
/// at most <see cref="MaxRelativeError"/> of the float output's largest magnitude.
/// </summary>
public class QuantizationParityTests
{
    private const double MinAgreement = 0.97;
    private const double MaxRelativeError = 0.08;

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var sets in new[] { 0, 1, 3 })
        {
            foreach (var dynamic in new[] { false, true })
            {
                yield return new TestCaseData("mlp", sets, dynamic).SetArgDisplayNames("mlp", sets.ToString(System.Globalization.CultureInfo.InvariantCulture), dynamic ? "dynamic" : "static");
                yield return new TestCaseData("cnn", sets, dynamic).SetArgDisplayNames("cnn", sets.ToString(System.Globalization.CultureInfo.InvariantCulture), dynamic ? "dynamic" : "static");
                yield return new TestCaseData("sequence", sets, dynamic).SetArgDisplayNames("sequence", sets.ToString(System.Globalization.CultureInfo.InvariantCulture), dynamic ? "dynamic" : "static");
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void Quantize_ModelFamily_StaysCloseToFloatInOnnxRuntime(string family, int sets, bool dynamic)
    {
        torch.manual_seed(50 + sets);
        var (model, shape) = Build(family, sets);
        using (model)
        {
            var (agreement, relative) = Compare(model, shape, dynamic, out var result);
            TestContext.Progress.WriteLine($"{family} sets={sets} {(dynamic ? "dynamic" : "static")}: top-1 agreement {agreement:P2}, max error {relative:P2} of max |output|");
            result.QuantizedNodes.Should().NotBeEmpty();
            result.FloatNodes.Should().BeEmpty();
            agreement.Should().BeGreaterThanOrEqualTo(MinAgreement);
            relative.Should().BeLessThanOrEqualTo(MaxRelativeError);
        }
    }

    [TestCase(0)]
    [TestCase(3)]
    public void QuantizeStatic_DendriticCnn_WritesInt8WeightsPerChannelAndIntegerKernels(int sets)
    {
        torch.manual_seed(60);
        using var model = Models.Cnn(sets);
        var result = QuantizeStatic(model, new long[] { 3, 8, 8 });
        var proto = ModelProto.Parser.ParseFrom(result.Model);

        // Two convolutions and one Gemm, each with an int8 weight and one scale per output channel (host + every set).
        var weights = proto.Graph.Initializer.Where(i => i.DataType == (int)TensorProto.Types.DataType.Int8 && i.Dims.Count >= 2).ToList();
        weights.Should().HaveCount(3);
        weights.Select(w => w.Dims[0]).Should().Equal(8 * (1 + sets), 8 * (1 + sets), 5 * (1 + sets));
        proto.Graph.Node.Count(n => n.OpType == "QuantizeLinear").Should().Be(5);
        proto.Graph.Initializer.Should().NotContain(i => i.DataType == (int)TensorProto.Types.DataType.Float && i.Dims.Count >= 2 && i.Name.EndsWith("weight"));

        var optimized = OptimizedGraph(result.Model);
        optimized.Count(n => n.OpType == "QLinearConv").Should().Be(2);
        optimized.Should().Contain(n => n.OpType == "QGemm");
    }

    [Test]
    public void QuantizeDynamic_DendriticMlp_RunsIntegerMatMuls()
    {
        torch.manual_seed(61);
        using var model = Models.Sequence(1);
        using var sample = randn(2, 10, 6);
        var result = OnnxQuantizer.QuantizeDynamic(TestHandles.Export(model, sample));

        ModelProto.Parser.ParseFrom(result.Model).Graph.Node.Count(n => n.OpType == "MatMulInteger").Should().Be(3);
        OptimizedGraph(result.Model).Select(n => n.OpType).Should().Contain(op => op == "DynamicQuantizeMatMul" || op == "MatMulIntegerToFloat");
    }

    [Test]
    public void QuantizeStatic_PercentileCalibration_StaysCloseToFloat()
    {
        torch.manual_seed(62);
        using var model = Models.Mlp(3);
        var (agreement, relative) = Compare(model, new long[] { 8 }, dynamic: false, out _, new OnnxQuantizationOptions { Method = CalibrationMethod.Percentile, Percentile = 99.9 });
        agreement.Should().BeGreaterThanOrEqualTo(MinAgreement);
        relative.Should().BeLessThanOrEqualTo(MaxRelativeError);
    }

    internal static (nn.Module<Tensor, Tensor> Model, long[] Shape) Build(string family, int sets) => family switch
    {
        "mlp" => (Models.Mlp(sets), new long[] { 8 }),
        "cnn" => (Models.Cnn(sets), new long[] { 3, 8, 8 }),
        _ => (Models.Sequence(sets), new long[] { 10, 6 }),
    };

    private static OnnxQuantizationResult QuantizeStatic(nn.Module<Tensor, Tensor> model, long[] shape, OnnxQuantizationOptions? options = null)
    {
        using var sample = randn(new long[] { 2 }.Concat(shape).ToArray());
        var bytes = TestHandles.Export(model, sample);
        var batches = Enumerable.Range(0, 8).Select(_ => randn(new long[] { 32 }.Concat(shape).ToArray())).ToList();
        try
        {
            return OnnxQuantizer.QuantizeStatic(bytes, OrtCalibration.Runner(batches), options);
        }
        finally
        {
            batches.ForEach(b => b.Dispose());
        }
    }

    private static (double Agreement, double Relative) Compare(nn.Module<Tensor, Tensor> model, long[] shape, bool dynamic, out OnnxQuantizationResult result, OnnxQuantizationOptions? options = null)
    {
        using var sample = randn(new long[] { 2 }.Concat(shape).ToArray());
        var bytes = TestHandles.Export(model, sample);
        result = dynamic ? OnnxQuantizer.QuantizeDynamic(bytes) : QuantizeStatic(model, shape, options);
        using var scope = torch.NewDisposeScope();
        var input = randn(new long[] { 256 }.Concat(shape).ToArray());
        var expected = OnnxRun.Run(bytes, input);
        var actual = OnnxRun.Run(result.Model, input);
        actual.shape.Should().Equal(expected.shape);
        var agreement = (actual.argmax(-1) == expected.argmax(-1)).to(float64).mean().item<double>();
        var relative = OnnxRun.MaxDifference(actual, expected) / expected.abs().max().item<float>();
        return (agreement, relative);
    }

    /// <summary>The graph ONNX Runtime runs after its CPU optimisations (where QDQ groups become integer kernels).</summary>
    internal static List<NodeProto> OptimizedGraph(byte[] model)
    {
        using var folder = new TempFolder();
        var path = folder.File("optimized.onnx");
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = path })
        using (new InferenceSession(model, options))
        {
        }

        return ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Node.ToList();
    }
}
