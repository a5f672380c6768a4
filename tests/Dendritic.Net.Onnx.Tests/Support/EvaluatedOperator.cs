using System;
using FluentAssertions;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>The check the evaluator's operator tests share: same shape and dtype, values within a relative tolerance.</summary>
internal static class EvaluatedOperator
{
    /// <summary>
    /// Asserts that <paramref name="actual"/> (the evaluator's) equals <paramref name="expected"/> (TorchSharp's) in shape
    /// and dtype, and within <paramref name="relativeTolerance"/> of the expected values' largest magnitude.
    /// </summary>
    public static void ShouldMatch(Tensor actual, Tensor expected, double relativeTolerance, string because)
    {
        actual.shape.Should().Equal(expected.shape);
        actual.dtype.Should().Be(expected.dtype);
        var scale = expected.abs().max().to(float64).item<double>();
        var difference = (actual.to(float64) - expected.to(float64)).abs().max().item<double>();
        difference.Should().BeLessThanOrEqualTo(relativeTolerance * Math.Max(scale, 1e-30), because);
    }
}
