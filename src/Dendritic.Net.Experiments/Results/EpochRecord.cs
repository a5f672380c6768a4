using System.Collections.Generic;

namespace Dendritic.Experiments;

/// <summary>One epoch of one arm and seed: a point of the training curve.</summary>
public sealed record EpochRecord
{
    /// <summary>Epoch number, from 1.</summary>
    public required int Epoch { get; init; }

    /// <summary>Mean training loss over the epoch's mini-batches.</summary>
    public required double TrainLoss { get; init; }

    /// <summary>Validation metric after the epoch.</summary>
    public required double ValidationMetric { get; init; }

    /// <summary>Test metric after the epoch (reported only at the best validation epoch; kept for the curves).</summary>
    public required double TestMetric { get; init; }

    /// <summary>Parameters of the model during the epoch (after a growth step, the next epoch shows the new count).</summary>
    public required long Parameters { get; init; }

    /// <summary>What the growth policy did after this epoch; null when nothing.</summary>
    public string? Growth { get; init; }

    /// <summary>
    /// The dendrites' activation scales per wrapped layer, measured by the probe pass after this epoch and before any
    /// growth step (<see cref="ExperimentOptions.ActivationProbeSamples"/>); null for arms without dendrites, epochs
    /// before the first dendrite, or with the probe off.
    /// </summary>
    public IReadOnlyList<LayerActivationStats>? Activations { get; init; }
}
