using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// The selection step of a cascade-correlation candidate pool: per layer and neuron j, the candidate c with the largest
/// |covariance| C_cj is chosen; its row (weights and bias of neuron j, and its v from the installed sets) is copied
/// into the first candidate, and the other candidates are removed, leaving one new set per layer.
/// </summary>
internal static class CandidatePool
{
    /// <param name="layers">The branches; each ends with the same number of candidate sets.</param>
    /// <param name="covariances">Per layer, [candidate][neuron] |covariance| measured with the final weights.</param>
    /// <param name="bounds">Per layer, [candidate][neuron] the bound of each |covariance| (<see cref="CorrelationObserver.Bounds"/>), from the same pass.</param>
    public static CandidateTrainingResult Install(IReadOnlyList<DendriteBranch> layers, double[][][] covariances, double[][][] bounds)
    {
        var pool = covariances[0].Length;
        var installed = new double[layers.Count];
        var installedBounds = new double[layers.Count];
        var perCandidate = new double[pool];
        for (var l = 0; l < layers.Count; l++)
        {
            var branch = layers[l];
            var first = branch.Count - pool;
            var choice = Choose(covariances[l]);
            installed[l] = choice.Select((c, j) => covariances[l][c][j]).Sum();
            installedBounds[l] = choice.Select((c, j) => bounds[l][c][j]).Sum();
            for (var c = 0; c < pool; c++)
            {
                perCandidate[c] += covariances[l][c].Sum();
            }

            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                var target = branch.Sets[first];
                for (var c = 1; c < pool; c++)
                {
                    if (!choice.Contains(c))
                    {
                        continue;
                    }

                    var source = branch.Sets[first + c];
                    var mask = tensor(choice.Select(k => k == c).ToArray(), device: target.Weight.device);
                    CopyRows(target.Weight, source.Weight, mask, 0);
                    if (target.Bias is { } bias)
                    {
                        CopyRows(bias, source.Bias!, mask, 0);
                    }

                    // The first candidate reads only the installed sets; the chosen one's v from them is what it read
                    // too, since its v from earlier candidates was held at zero.
                    if (target.CascadeWeights is { } cascade)
                    {
                        CopyRows(cascade, source.CascadeWeights!.narrow(0, 0, first), mask, 1);
                    }
                }
            }

            branch.RemoveLast(pool - 1);
        }

        return new CandidateTrainingResult(installed.Sum()) { PoolSize = pool, Covariances = covariances, BestSingleCandidate = perCandidate.Max(), LayerCorrelations = installed, LayerBounds = installedBounds };
    }

    /// <summary>Per neuron, the candidate with the largest value (the first on ties).</summary>
    internal static int[] Choose(double[][] covariances)
    {
        var choice = new int[covariances[0].Length];
        for (var j = 0; j < choice.Length; j++)
        {
            for (var c = 1; c < covariances.Length; c++)
            {
                if (covariances[c][j] > covariances[choice[j]][j])
                {
                    choice[j] = c;
                }
            }
        }

        return choice;
    }

    /// <summary>Copies the slices of <paramref name="source"/> where <paramref name="mask"/> (one flag per neuron, on <paramref name="axis"/>) is set.</summary>
    private static void CopyRows(Tensor target, Tensor source, Tensor mask, int axis)
    {
        var shape = Enumerable.Repeat(1L, (int)target.dim()).ToArray();
        shape[axis] = -1;
        target.copy_(where(mask.view(shape), source, target));
    }
}
