using System.Collections.Generic;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// A cheap fingerprint of tensors' values: per tensor, the float64 sum of its values and the float64 sum of their
/// absolute values. Not a proof of equality, but a change that keeps both sums is practically impossible (a sum alone
/// can come back to its starting value: u's elements after one Adam step are about ±lr). Used to tell whether
/// parameters changed (<see cref="UntrainedDendritesWatch"/>) and whether data-parallel ranks agree
/// (Dendritic.Net.Distributed's <c>DataParallel.ParametersEqual</c>).
/// </summary>
internal static class TensorFingerprint
{
    /// <summary>Two values per tensor, in order: its sum, then the sum of its absolute values (float64, on the CPU).</summary>
    /// <param name="tensors">The tensors (parameters or buffers, of any dtype); read without recording gradients.</param>
    public static double[] Of(IReadOnlyList<Tensor> tensors)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var sums = new double[tensors.Count * 2];
        for (var i = 0; i < tensors.Count; i++)
        {
            // Floating values are summed in float64 without a float64 copy; others (a buffer of counts or flags,
            // whose abs libtorch may not take) are converted first.
            var values = tensors[i].is_floating_point() ? tensors[i].detach() : tensors[i].detach().to(ScalarType.Float64);
            sums[2 * i] = values.sum(ScalarType.Float64).item<double>();
            sums[(2 * i) + 1] = values.abs().sum(ScalarType.Float64).item<double>();
        }

        return sums;
    }
}
