using System;

namespace Dendritic;

/// <summary>
/// How the candidate dendrites of <see cref="DendriteTrainingMode.CascadeCorrelation"/> are trained before they are
/// connected. Immutable; validated by <see cref="Validate"/> (called from <see cref="GrowthOptions.Validate"/>).
/// </summary>
public sealed record CascadeCorrelationOptions
{
    /// <summary>Most passes over the candidate batches. Default 50; at least 1.</summary>
    public int MaxEpochs { get; init; } = 50;

    /// <summary>
    /// Passes without the summed correlation S improving by <see cref="MinRelativeImprovement"/> before the candidates
    /// stop training. Default 3; at least 1.
    /// </summary>
    public int Patience { get; init; } = 3;

    /// <summary>Relative gain of S (on |best S|) that counts as progress. Default 0.01 (1 %); at least 0.</summary>
    public double MinRelativeImprovement { get; init; } = 0.01;

    /// <summary>Adam learning rate of the candidate weights (they have their own optimizer). Default 0.01; &gt; 0.</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>
    /// Candidate sets trained side by side per layer at each growth step (the candidate pool of Fahlman and Lebiere).
    /// Each candidate maximises its own correlation; afterwards, per neuron, the candidate with the largest
    /// |covariance| is kept, so every growth step still installs exactly one set per layer. Costs about this many
    /// times the candidate compute. Default 1 (a single candidate, no pool); at least 1.
    /// </summary>
    public int PoolSize { get; init; } = 1;

    /// <summary>The options every scheduler gets unless told otherwise.</summary>
    public static CascadeCorrelationOptions Default { get; } = new();

    /// <summary>Checks every value and throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    /// <returns>This instance, for chaining.</returns>
    public CascadeCorrelationOptions Validate()
    {
        if (MaxEpochs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEpochs), MaxEpochs, "CascadeCorrelation.MaxEpochs must be at least 1 (default 50).");
        }

        if (Patience < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Patience), Patience, "CascadeCorrelation.Patience must be at least 1 (default 3).");
        }

        if (!double.IsFinite(MinRelativeImprovement) || MinRelativeImprovement < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MinRelativeImprovement), MinRelativeImprovement, "CascadeCorrelation.MinRelativeImprovement must be a finite number >= 0 (default 0.01).");
        }

        if (!double.IsFinite(LearningRate) || LearningRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "CascadeCorrelation.LearningRate must be a finite number > 0 (default 0.01).");
        }

        if (PoolSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(PoolSize), PoolSize, "CascadeCorrelation.PoolSize must be at least 1 (default 1: a single candidate per layer).");
        }

        return this;
    }
}
