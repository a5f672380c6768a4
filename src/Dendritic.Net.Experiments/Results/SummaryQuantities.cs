using System;
using System.Collections.Generic;

namespace Dendritic.Experiments;

/// <summary>
/// The quantities an <see cref="ArmSummary"/> summarises over seeds, in the order of summary.csv's columns: the one
/// list that the CSV's columns and the merge's check for infinite summaries both read, so that a quantity added to the
/// summary cannot be written without being checked, or checked under another name.
/// </summary>
internal static class SummaryQuantities
{
    /// <summary>Each quantity: its summary.csv column prefix, its <see cref="ArmSummary"/> property's name, and its value (null when not measured).</summary>
    public static IReadOnlyList<(string Column, string Name, Func<ArmSummary, StatSummary?> Of)> All { get; } =
    [
        ("test_metric", nameof(ArmSummary.TestMetric), s => s.TestMetric),
        ("diff_vs_baseline", nameof(ArmSummary.DifferenceVsBaseline), s => s.DifferenceVsBaseline),
        ("parameters", nameof(ArmSummary.Parameters), s => s.Parameters),
        ("flops_per_sample", nameof(ArmSummary.FlopsPerSample), s => s.FlopsPerSample),
        ("epochs", nameof(ArmSummary.Epochs), s => s.Epochs),
        ("training_seconds", nameof(ArmSummary.TrainingSeconds), s => s.TrainingSeconds),
        ("latency_ms", nameof(ArmSummary.LatencyMilliseconds), s => s.LatencyMilliseconds),
        ("peak_memory_bytes", nameof(ArmSummary.PeakMemoryBytes), s => s.PeakMemoryBytes),
        ("energy_joules", nameof(ArmSummary.EnergyJoules), s => s.EnergyJoules),
        ("co2_grams", nameof(ArmSummary.Co2Grams), s => s.Co2Grams),
        ("gpu_utilization_percent", nameof(ArmSummary.GpuUtilizationPercent), s => s.GpuUtilizationPercent),
        ("gpu_peak_memory_mib", nameof(ArmSummary.GpuPeakMemoryMiB), s => s.GpuPeakMemoryMiB),
    ];
}
