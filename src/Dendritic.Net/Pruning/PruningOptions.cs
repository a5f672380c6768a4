using System;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

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

    /// <summary>Where pruning decisions are logged. Default <see cref="NullLogger.Instance"/>.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>The options every call gets unless told otherwise.</summary>
    public static PruningOptions Default { get; } = new();

    /// <summary>Checks every value and throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    /// <returns>This instance, for chaining.</returns>
    public PruningOptions Validate()
    {
        if (!Enum.IsDefined(Criterion))
        {
            throw new ArgumentOutOfRangeException(nameof(Criterion), Criterion, "Unknown pruning criterion; use OutputScale or MeasuredEffect.");
        }

        if (!Enum.IsDefined(Granularity))
        {
            throw new ArgumentOutOfRangeException(nameof(Granularity), Granularity, "Unknown pruning granularity; use Set or Neuron.");
        }

        if (Criterion == PruningCriterion.MeasuredEffect && Granularity != PruningGranularity.Set)
        {
            throw new ArgumentOutOfRangeException(nameof(Granularity), Granularity, "MeasuredEffect prunes whole sets only (one validation pass per candidate); use Granularity = Set, or the OutputScale criterion for single neurons.");
        }

        if (!double.IsFinite(Threshold) || Threshold < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "Threshold must be a finite number of at least 0 (default 1e-3).");
        }

        ArgumentNullException.ThrowIfNull(Logger);
        return this;
    }
}
