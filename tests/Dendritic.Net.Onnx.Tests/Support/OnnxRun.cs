using System;
using System.Linq;
using FluentAssertions;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>Runs an exported model in ONNX Runtime (CPU) on a TorchSharp tensor and returns the output as a tensor.</summary>
internal static class OnnxRun
{
    public static Tensor Run(byte[] model, Tensor input, string inputName = "input", string outputName = "output")
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(model, options);
        return Run(session, input, inputName, outputName);
    }

    public static Tensor Run(InferenceSession session, Tensor input, string inputName = "input", string outputName = "output")
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(input);
        var data = input.to(float32).contiguous().data<float>().ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(data, input.shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, new[] { inputName }, new[] { value }, new[] { outputName });
        var output = results[0];
        var shape = output.GetTensorTypeAndShape().Shape;
        return torch.tensor(output.GetTensorDataAsSpan<float>().ToArray(), shape);
    }

    /// <summary>Runs a model whose input is int64 token indices (one that starts with an Embedding).</summary>
    public static Tensor RunIndices(byte[] model, Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        using var session = new InferenceSession(model);
        var data = indices.to(int64).contiguous().data<long>().ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(data, indices.shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, new[] { "input" }, new[] { value }, new[] { "output" });
        var output = results[0];
        var info = output.GetTensorTypeAndShape();
        return info.ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Double
            ? torch.tensor(output.GetTensorDataAsSpan<double>().ToArray(), info.Shape)
            : torch.tensor(output.GetTensorDataAsSpan<float>().ToArray(), info.Shape);
    }

    /// <summary>The relative part of <see cref="ShouldMatch"/>'s tolerance: each element may differ by this share of itself.</summary>
    public const double RelativeTolerance = 1e-4;

    /// <summary>The floor of <see cref="ShouldMatch"/>'s tolerance, as a share of the expected output's largest magnitude.</summary>
    public const double FloorTolerance = 1e-5;

    /// <summary>
    /// Asserts that ONNX Runtime's float32 output matches TorchSharp's, element by element:
    /// |actual − expected| ≤ 1e-4 |expected| + 1e-5 max|expected|. The relative part follows each element's size; the
    /// floor covers elements near zero, where a sum that cancels keeps the rounding error of its larger terms. On the
    /// parity models the floor needed was at most 1.3e-7 of the output's largest magnitude, with 1 or 2 threads, on
    /// one AVX-512 AMD CPU; the bounds leave about 75 times that, because another CPU's kernels (vector width, blocking,
    /// thread count) round differently and these tests must pass on any machine. A wrong pad, axis or weight is off
    /// by a share of the output's scale, far above them (swapping the even-kernel pads fails every case).
    /// </summary>
    public static void ShouldMatch(Tensor actual, Tensor expected)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(expected);
        actual.shape.Should().Equal(expected.shape);
        using var scope = torch.NewDisposeScope();
        var reference = expected.detach().to(float64).flatten();
        var difference = (actual.detach().to(float64).flatten() - reference).abs();
        var scale = reference.abs().max().item<double>();
        var allowed = (reference.abs() * RelativeTolerance) + (FloorTolerance * scale);
        var worst = (difference - allowed).argmax().item<long>();
        difference[worst].item<double>().Should().BeLessThanOrEqualTo(
            allowed[worst].item<double>(),
            $"element {worst} (expected {reference[worst].item<double>():G6}) may differ by {RelativeTolerance:G1} of itself plus {FloorTolerance:G1} of the output's largest magnitude, {scale:G6}");
    }

    public static double MaxDifference(Tensor actual, Tensor expected)
    {
        using var difference = (actual.to(float64) - expected.to(float64)).abs().max();
        return difference.item<double>();
    }
}
