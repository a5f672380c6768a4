using System;

namespace Dendritic;

/// <summary>
/// How <see cref="DendritePruner"/> prunes. Immutable; validated once when pruning starts. Each criterion has a limit of
/// its own, in its own units: <see cref="MaxOutputScale"/> for <see cref="PruningCriterion.OutputScale"/>,
/// <see cref="MaxOutputChange"/> for <see cref="PruningCriterion.MeasuredEffect"/>; setting the other criterion's limit
/// is refused, so changing <see cref="Criterion"/> never reinterprets a number.
/// </summary>
public sealed record PruningOptions
{
    /// <summary>The limit either criterion uses when its own is null.</summary>
    private const double DefaultLimit = 1e-3;

    /// <summary>How negligible contributions are found. Default <see cref="PruningCriterion.OutputScale"/>.</summary>
    public PruningCriterion Criterion { get; init; } = PruningCriterion.OutputScale;

    /// <summary>What is removed. Default <see cref="PruningGranularity.Set"/>.</summary>
    public PruningGranularity Granularity { get; init; } = PruningGranularity.Set;

    /// <summary>
    /// With <see cref="PruningCriterion.OutputScale"/> only: the largest |u| and outgoing |v| (unitless scales) a pruned
    /// dendrite may have. Finite and at least 0; 0 prunes only dendrites that contribute exactly nothing. Default null,
    /// which means 1e-3. Must be null with <see cref="PruningCriterion.MeasuredEffect"/>, which limits
    /// <see cref="MaxOutputChange"/> instead.
    /// </summary>
    public double? MaxOutputScale { get; init; }

    /// <summary>
    /// With <see cref="PruningCriterion.MeasuredEffect"/> only: the largest absolute change of any model output on the
    /// validation batch that pruning may cause, in the model's output units (the total over every set removed, against
    /// the unpruned model). Finite and at least 0; 0 prunes only sets whose removal changes no output. Default null, which
    /// means 1e-3. Must be null with <see cref="PruningCriterion.OutputScale"/>, which limits <see cref="MaxOutputScale"/>
    /// instead.
    /// </summary>
    public double? MaxOutputChange { get; init; }

    /// <summary>The options every call gets unless told otherwise.</summary>
    public static PruningOptions Default { get; } = new();

    /// <summary><see cref="MaxOutputScale"/>, or its default when null.</summary>
    internal double OutputScaleLimit => MaxOutputScale ?? DefaultLimit;

    /// <summary><see cref="MaxOutputChange"/>, or its default when null.</summary>
    internal double OutputChangeLimit => MaxOutputChange ?? DefaultLimit;

    /// <summary>
    /// Checks every value and reports all invalid ones at once: an undefined criterion or granularity, a granularity
    /// the criterion does not prune at, a limit that is negative or not finite, and a limit set for the other criterion.
    /// </summary>
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
        Limit(check, MaxOutputScale, nameof(MaxOutputScale), PruningCriterion.OutputScale, nameof(MaxOutputChange));
        Limit(check, MaxOutputChange, nameof(MaxOutputChange), PruningCriterion.MeasuredEffect, nameof(MaxOutputScale));
        check.ThrowIfInvalid();
        return this;
    }

    /// <summary>A limit is a finite number of at least 0, set only with the criterion it belongs to.</summary>
    private void Limit(OptionsValidator check, double? value, string name, PruningCriterion criterion, string other)
    {
        if (value is not { } limit)
        {
            return;
        }

        if (Criterion != criterion && Enum.IsDefined(Criterion))
        {
            check.Require(false, name, limit, $"applies to Criterion = {criterion} only; with Criterion = {Criterion} set {other} instead, or leave {name} null (default null)");
            return;
        }

        check.Require(double.IsFinite(limit) && limit >= 0, name, limit, FormattableString.Invariant($"must be a finite number >= 0, or null for {DefaultLimit} (default null)"));
    }
}
