using System;
using System.Collections.Generic;
using System.Linq;

namespace Dendritic;

/// <summary>What a cascade-correlation candidate phase ended with.</summary>
/// <param name="Correlation">
/// The S of the installed sets: for a single candidate, the S of the last training pass; for a pool, Σ over layers and
/// neurons of the chosen candidate's |covariance| in the selection pass.
/// </param>
internal sealed record CandidateTrainingResult(double Correlation)
{
    /// <summary>Candidates per layer that were trained (the pool size).</summary>
    public int PoolSize { get; init; } = 1;

    /// <summary>
    /// Per layer, |covariance| of every candidate with every neuron's error in the selection pass, [candidate][neuron];
    /// empty for a pool of one (no selection pass runs).
    /// </summary>
    public IReadOnlyList<double[][]> Covariances { get; init; } = Array.Empty<double[][]>();

    /// <summary>The largest S any one candidate position reached over all layers (what the pool is compared with); null for a pool of one.</summary>
    public double? BestSingleCandidate { get; init; }

    /// <summary>Per layer, the S of its installed set (<see cref="Correlation"/> split by layer), in layer order.</summary>
    public IReadOnlyList<double> LayerCorrelations { get; init; } = Array.Empty<double>();

    /// <summary>The training epochs run over the candidate losses (the pool's selection pass not counted).</summary>
    public int Epochs { get; init; }

    /// <summary>
    /// Per layer, the bound of its S summed the same way: Σ_j Σ_p |a_pj − ā_j| |e_pj − ē_j|, which S can never exceed;
    /// in layer order, empty when not measured.
    /// </summary>
    public IReadOnlyList<double> LayerBounds { get; init; } = Array.Empty<double>();

    /// <summary>
    /// The relative S (S / its bound) below which a layer's candidates count as having learned no correlation with its
    /// error. Candidates whose activations are unrelated to the error already reach about 1/√P by chance, for P patterns
    /// per batch (about 1e-3 even at P = 10⁶), so this is far below anything a varying input and error give. An
    /// activation or an error that does not vary (dead inputs, or no gradient reaching the layer) gives a bound of
    /// exactly 0, as the bound is centred in float64 (<see cref="CorrelationObserver.Bounds"/>), and counts as below it.
    /// </summary>
    public const double NoCorrelationLevel = 1e-6;

    /// <summary>The layers (indices, in order) whose relative S is below <see cref="NoCorrelationLevel"/>; a bound of 0 (nothing varies) counts as 0.</summary>
    /// <returns>The indices; none when the bounds were not measured.</returns>
    public IEnumerable<int> UncorrelatedLayers() =>
        Enumerable.Range(0, Math.Min(LayerCorrelations.Count, LayerBounds.Count))
            .Where(l => !(LayerBounds[l] > 0 && LayerCorrelations[l] / LayerBounds[l] >= NoCorrelationLevel));
}
