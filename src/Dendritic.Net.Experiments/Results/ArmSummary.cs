using System.Collections.Generic;

namespace Dendritic.Experiments;

/// <summary>One arm summarised over seeds. Measurements that were not taken on every seed are null.</summary>
public sealed record ArmSummary
{
    /// <summary>The arm.</summary>
    public required ArmKind Arm { get; init; }

    /// <summary>Widths used (one per seed, in seed order).</summary>
    public required IReadOnlyList<int> Widths { get; init; }

    /// <summary>The test metric at the best validation epoch.</summary>
    public required StatSummary TestMetric { get; init; }

    /// <summary>
    /// Paired difference of the test metric against the baseline (this arm minus baseline, seed by seed); null for the
    /// baseline itself or when the baseline did not run.
    /// </summary>
    public StatSummary? DifferenceVsBaseline { get; init; }

    /// <summary>Parameters.</summary>
    public required StatSummary Parameters { get; init; }

    /// <summary>FLOPs per sample.</summary>
    public required StatSummary FlopsPerSample { get; init; }

    /// <summary>Epochs trained.</summary>
    public required StatSummary Epochs { get; init; }

    /// <summary>Training seconds.</summary>
    public required StatSummary TrainingSeconds { get; init; }

    /// <summary>Inference milliseconds per batch.</summary>
    public required StatSummary LatencyMilliseconds { get; init; }

    /// <summary>Peak resident memory, bytes.</summary>
    public StatSummary? PeakMemoryBytes { get; init; }

    /// <summary>Training energy, joules.</summary>
    public StatSummary? EnergyJoules { get; init; }

    /// <summary>Mean GPU utilisation, percent.</summary>
    public StatSummary? GpuUtilizationPercent { get; init; }

    /// <summary>Peak GPU memory in use, MiB.</summary>
    public StatSummary? GpuPeakMemoryMiB { get; init; }

    /// <summary>Grams CO2e.</summary>
    public StatSummary? Co2Grams { get; init; }
}
