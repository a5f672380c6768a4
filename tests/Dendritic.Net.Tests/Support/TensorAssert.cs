using System;
using System.Linq;
using FluentAssertions;
using static TorchSharp.torch;

namespace Dendritic.Tests.Support;

/// <summary>Tensor comparisons with messages that say how far apart two tensors are.</summary>
internal static class TensorAssert
{
    public static void Close(Tensor actual, Tensor expected, double tolerance, string because = "")
    {
        actual.shape.Should().Equal(expected.shape, because);
        using var difference = (actual.to(float64) - expected.to(float64)).abs().max();
        difference.item<double>().Should().BeLessThanOrEqualTo(tolerance, because);
    }

    /// <summary>Close relative to the size of <paramref name="expected"/>: |a - e| ≤ tolerance × max(1, max|e|).</summary>
    public static void CloseRelative(Tensor actual, Tensor expected, double tolerance, string because = "")
    {
        Close(actual, expected, tolerance * Math.Max(1.0, MaxAbs(expected)), because);
    }

    /// <summary>Every parameter of <paramref name="actual"/> within <paramref name="tolerance"/> of its counterpart in <paramref name="expected"/> (same order).</summary>
    public static void CloseParameters(TorchSharp.torch.nn.Module actual, TorchSharp.torch.nn.Module expected, double tolerance, string because = "")
    {
        actual.parameters().Should().HaveSameCount(expected.parameters(), because);
        foreach (var (copy, original) in actual.parameters().Zip(expected.parameters()))
        {
            Close(copy, original, tolerance, because);
        }
    }

    public static void Identical(Tensor actual, Tensor expected, string because = "")
    {
        actual.shape.Should().Equal(expected.shape, because);
        actual.dtype.Should().Be(expected.dtype, because);
        actual.equal(expected).all().item<bool>().Should().BeTrue(because.Length == 0 ? "the tensors should be bitwise equal" : because);
    }

    public static double MaxAbs(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var max = tensor.abs().max();
        return max.to(float64).item<double>();
    }
}
