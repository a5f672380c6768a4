using System.Linq;
using Dendritic.Onnx.Quantization;
using Dendritic.Onnx.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>After ONNX Runtime's CPU optimisations, no projection of a quantized model runs in float any more.</summary>
public class QuantizationKernelTests
{
    [TestCase("mlp", false)]
    [TestCase("cnn", false)]
    [TestCase("sequence", false)]
    [TestCase("mlp", true)]
    [TestCase("cnn", true)]
    [TestCase("sequence", true)]
    public void Quantize_DendriticModel_OnnxRuntimeRunsEveryProjectionInIntegers(string family, bool dynamic)
    {
        torch.manual_seed(80);
        var (model, shape) = QuantizationParityTests.Build(family, 1);
        using (model)
        {
            using var sample = randn(new long[] { 2 }.Concat(shape).ToArray());
            var bytes = TestHandles.Export(model, sample);
            var batches = Enumerable.Range(0, 2).Select(_ => randn(new long[] { 16 }.Concat(shape).ToArray())).ToList();
            var quantized = dynamic ? OnnxQuantizer.QuantizeDynamic(bytes) : OnnxQuantizer.QuantizeStatic(bytes, OrtCalibration.Runner(batches));
            var ops = QuantizationParityTests.OptimizedGraph(quantized.Model).Select(n => n.OpType).ToList();
            TestContext.Progress.WriteLine($"{family} {(dynamic ? "dynamic" : "static")}: {string.Join(", ", ops.Distinct())}");
            ops.Should().NotContain(new[] { "Gemm", "MatMul", "Conv", "FusedConv", "FusedGemm", "FusedMatMul" });
        }
    }
}
