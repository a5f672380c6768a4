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

    /// <summary>Checks every value and reports all invalid ones at once.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="InvalidOptionsException">One or more values are invalid; the exception lists each.</exception>
    public CascadeCorrelationOptions Validate()
    {
        var check = new OptionsValidator(nameof(CascadeCorrelationOptions));
        Collect(check);
        check.ThrowIfInvalid();
        return this;
    }

    internal void Collect(OptionsValidator check)
    {
        check.AtLeast(MaxEpochs, 1, nameof(MaxEpochs), Default.MaxEpochs);
        check.AtLeast(Patience, 1, nameof(Patience), Default.Patience);
        check.FiniteAtLeast(MinRelativeImprovement, 0, nameof(MinRelativeImprovement), Default.MinRelativeImprovement);
        check.FiniteAbove(LearningRate, 0, nameof(LearningRate), Default.LearningRate);
        check.AtLeast(PoolSize, 1, nameof(PoolSize), Default.PoolSize);
    }
}
