using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Dendritic.Experiments;

/// <summary>The measurements of one arm and one seed. Nullable values are null when they were not measured.</summary>
public sealed record RunResult
{
    /// <summary>The arm.</summary>
    public required ArmKind Arm { get; init; }

    /// <summary>The seed (initial weights and data order).</summary>
    public required int Seed { get; init; }

    /// <summary>Width given to the model factory.</summary>
    public required int Width { get; init; }

    /// <summary>Epochs trained.</summary>
    public required int Epochs { get; init; }

    /// <summary>
    /// Extra passes over the training data outside the epochs: cascade-correlation candidate training (0 otherwise).
    /// The controls train for <see cref="Epochs"/> + this many epochs, so they get the same budget of data passes.
    /// </summary>
    public int CandidatePasses { get; init; }

    /// <summary>The epoch (from 1) with the best validation metric; the first one on ties.</summary>
    public required int BestEpoch { get; init; }

    /// <summary>The best validation metric.</summary>
    public required double BestValidationMetric { get; init; }

    /// <summary>The test metric at <see cref="BestEpoch"/>: the arm's result.</summary>
    public required double TestMetric { get; init; }

    /// <summary>Parameters of the final model (all scalars, trainable or not).</summary>
    public required long Parameters { get; init; }

    /// <summary>
    /// Parameters of the model at <see cref="BestEpoch"/>, the one the test metric measured (all scalars). It differs
    /// from <see cref="Parameters"/> when the arm stopped at its epoch limit with dendrites that had not yet helped. The
    /// capacity-matched control is sized from it.
    /// </summary>
    public long BestEpochParameters { get; init; }

    /// <summary>FLOPs of one forward pass per sample of the final model (see <see cref="ModelCost"/>).</summary>
    public required double FlopsPerSample { get; init; }

    /// <summary>Seconds spent training (training steps, validation passes, growth steps, restores and candidate passes; not test passes or measurements).</summary>
    public required double TrainingSeconds { get; init; }

    /// <summary>Median milliseconds of one inference forward pass over <see cref="LatencyBatchSize"/> samples.</summary>
    public required double LatencyMilliseconds { get; init; }

    /// <summary>Samples in the timed inference batch.</summary>
    public required int LatencyBatchSize { get; init; }

    /// <summary>Peak resident memory of the process during the arm, bytes (Linux VmHWM, reset per arm); null when not measured.</summary>
    public long? PeakMemoryBytes { get; init; }

    /// <summary>Energy used while training (as <see cref="TrainingSeconds"/> counts it), joules, from a hardware counter; null when not measured (never estimated).</summary>
    public double? EnergyJoules { get; init; }

    /// <summary>Where <see cref="EnergyJoules"/> comes from, or "not measured: why".</summary>
    public required string EnergySource { get; init; }

    /// <summary>Mean GPU utilisation during the arm, percent (NVML, sampled; see <see cref="GpuSource"/>); null when not measured.</summary>
    public double? GpuUtilizationPercent { get; init; }

    /// <summary>Peak GPU memory in use during the arm, MiB (NVML, whole device, sampled); null when not measured.</summary>
    public double? GpuPeakMemoryMiB { get; init; }

    /// <summary>Where the GPU figures come from, or "not measured: why". Default "not measured".</summary>
    public string GpuSource { get; init; } = "not measured";

    /// <summary>Grams CO2e: energy × the user-given grid intensity; null without either.</summary>
    public double? Co2Grams { get; init; }

    /// <summary>Dendrite sets per wrapped layer at the end (0 for the plain arms). Stored as <c>DendritesPerLayer</c> in <c>report.json</c>.</summary>
    [JsonPropertyName("DendritesPerLayer")]
    public int DendriteCount { get; init; }

    /// <summary>
    /// For an arm that grew: whether its epoch cap ended training before the growth policy finished (for
    /// <see cref="SchedulerGrowth"/>, before the scheduler completed); null for the arms without growth.
    /// </summary>
    public bool? GrowthCutOff { get; init; }

    /// <summary>The training curve, one record per epoch.</summary>
    public required IReadOnlyList<EpochRecord> Curve { get; init; }
}
