using System;
using System.Collections.Generic;

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
}
