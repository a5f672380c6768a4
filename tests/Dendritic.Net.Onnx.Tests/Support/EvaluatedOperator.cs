using System;
using System.Collections.Generic;
using Dendritic.Onnx.Export;
using FluentAssertions;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>What the evaluator's operator tests share: evaluating one node, and comparing it with TorchSharp's result.</summary>
internal static class EvaluatedOperator
{
    /// <summary>The evaluator's value for one node; fails the test, with the evaluator's reason, when it has none.</summary>
    public static Tensor Eval(string opType, Tensor?[] inputs, Dictionary<string, object>? attributes = null)
    {
        var value = SampleEvaluator.TryEvaluate(opType, inputs, attributes, out var reason);
        value.Should().NotBeNull(reason);
        return value!;
    }

    /// <summary>
    /// Seeds libtorch with <paramref name="seed"/>, runs <paramref name="compute"/> in a dispose scope and asserts that
    /// its actual (the evaluator's) equals its expected (TorchSharp's) in shape and dtype, and within
    /// <paramref name="relativeTolerance"/> of the expected values' largest magnitude.
    /// </summary>
    public static void ShouldMatch(Func<(Tensor Actual, Tensor Expected)> compute, long seed, double relativeTolerance, string because)
    {
        torch.manual_seed(seed);
        using var scope = torch.NewDisposeScope();
        var (actual, expected) = compute();

        actual.shape.Should().Equal(expected.shape);
        actual.dtype.Should().Be(expected.dtype);
        var scale = expected.abs().max().to(float64).item<double>();
        var difference = (actual.to(float64) - expected.to(float64)).abs().max().item<double>();
        difference.Should().BeLessThanOrEqualTo(relativeTolerance * Math.Max(scale, 1e-30), because);
    }
}
