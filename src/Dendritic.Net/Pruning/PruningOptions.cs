namespace Dendritic;

/// <summary>How <see cref="DendritePruner"/> prunes. Immutable; validated once when pruning starts.</summary>
public sealed record PruningOptions
{
    /// <summary>How negligible contributions are found. Default <see cref="PruningCriterion.OutputScale"/>.</summary>
    public PruningCriterion Criterion { get; init; } = PruningCriterion.OutputScale;

    /// <summary>What is removed. Default <see cref="PruningGranularity.Set"/>.</summary>
    public PruningGranularity Granularity { get; init; } = PruningGranularity.Set;

    /// <summary>
    /// For <see cref="PruningCriterion.OutputScale"/>: the largest |u| and outgoing |v| (unitless scales) a pruned
    /// dendrite may have. For <see cref="PruningCriterion.MeasuredEffect"/>: the largest absolute change of any model
    /// output on the validation batch, in the model's output units. Finite and at least 0; 0 prunes only dendrites
    /// that contribute exactly nothing. Default 1e-3.
    /// </summary>
    public double Threshold { get; init; } = 1e-3;

    /// <summary>The options every call gets unless told otherwise.</summary>
    public static PruningOptions Default { get; } = new();

    /// <summary>Checks every value and reports all invalid ones at once.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="InvalidOptionsException">One or more values are invalid; the exception lists each.</exception>
    public PruningOptions Validate()
    {
        var check = new OptionsValidator(nameof(PruningOptions));
        check.Defined(Criterion, nameof(Criterion));
        check.Defined(Granularity, nameof(Granularity));
        check.Require(
            Criterion != PruningCriterion.MeasuredEffect || Granularity == PruningGranularity.Set,
            nameof(Granularity),
            Granularity,
            "MeasuredEffect prunes whole sets only (one validation pass per candidate); use Granularity = Set, or the OutputScale criterion for single neurons");
        check.FiniteAtLeast(Threshold, 0, nameof(Threshold), Default.Threshold);
        check.ThrowIfInvalid();
        return this;
    }
}
