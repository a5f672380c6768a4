using System;
using System.Collections.Generic;
using System.Linq;

namespace Dendritic;

/// <summary>One row of the scheduler history: one validation call. Plain data, serialisable with System.Text.Json.</summary>
public sealed record GrowthHistoryEntry
{
    /// <summary>1-based validation number.</summary>
    public int Validation { get; init; }

    /// <summary>The score passed in, in the caller's score units; direction per <see cref="GrowthOptions.Mode"/>.</summary>
    public double Score { get; init; }

    /// <summary>The (smoothed) score the decision used, in the caller's score units; direction per <see cref="GrowthOptions.Mode"/>.</summary>
    public double SmoothedScore { get; init; }

    /// <summary>Best score after the call, in the caller's score units; direction per <see cref="GrowthOptions.Mode"/> (the score itself after a first score that is not counted).</summary>
    public double BestScore { get; init; }

    /// <summary>Phase during the training that led to this score.</summary>
    public GrowthPhase Phase { get; init; }

    /// <summary>What the scheduler did.</summary>
    public GrowthAction Action { get; init; }

    /// <summary>Why.</summary>
    public GrowthReason Reason { get; init; }

    /// <summary>Learning rate passed in; null when none was.</summary>
    public double? LearningRate { get; init; }

    /// <summary>Dendrite sets per layer while this score was measured.</summary>
    public int DendriteCount { get; init; }

    /// <summary>Number of scalar parameters of the model while this score was measured.</summary>
    public long ParameterCount { get; init; }

    /// <summary>Seconds the epoch took, as passed in; null when none was.</summary>
    public double? EpochSeconds { get; init; }

    /// <summary>
    /// Activation scales per wrapped layer over the window before this validation, when an
    /// <see cref="ActivationMonitor"/> was on; null otherwise.
    /// </summary>
    public IReadOnlyList<LayerActivationStats>? Activations { get; init => field = value is null ? null : Array.AsReadOnly(value.ToArray()); }
}
