using System;
using System.Collections.Generic;
using System.Linq;

namespace Dendritic.Experiments;

/// <summary>Builds the per-arm summaries, pairing every arm with the baseline seed by seed.</summary>
internal static class ReportSummaries
{
    public static IReadOnlyList<ArmSummary> Build(IReadOnlyList<RunResult> runs)
    {
        var baseline = runs.Where(r => r.Arm == ArmKind.Baseline).ToDictionary(r => r.Seed);
        var summaries = new List<ArmSummary>();
        foreach (var group in runs.GroupBy(r => r.Arm).OrderBy(g => g.Key))
        {
            var arm = group.OrderBy(r => r.Seed).ToList();
            var paired = arm.Where(r => baseline.ContainsKey(r.Seed)).Select(r => r.TestMetric - baseline[r.Seed].TestMetric).ToList();
            summaries.Add(new ArmSummary
            {
                Arm = group.Key,
                Widths = arm.Select(r => r.Width).ToArray(),
                TestMetric = Statistics.Summarize(arm.Select(r => r.TestMetric)),
                DifferenceVsBaseline = group.Key == ArmKind.Baseline || paired.Count == 0 ? null : Statistics.Summarize(paired),
                Parameters = Statistics.Summarize(arm.Select(r => (double)r.Parameters)),
                FlopsPerSample = Statistics.Summarize(arm.Select(r => r.FlopsPerSample)),
                Epochs = Statistics.Summarize(arm.Select(r => (double)r.Epochs)),
                TrainingSeconds = Statistics.Summarize(arm.Select(r => r.TrainingSeconds)),
                LatencyMilliseconds = Statistics.Summarize(arm.Select(r => r.LatencyMilliseconds)),
                PeakMemoryBytes = AllOrNull(arm.Select(r => r.PeakMemoryBytes is { } m ? (double?)m : null)),
                EnergyJoules = AllOrNull(arm.Select(r => r.EnergyJoules)),
                Co2Grams = AllOrNull(arm.Select(r => r.Co2Grams)),
                GpuUtilizationPercent = AllOrNull(arm.Select(r => r.GpuUtilizationPercent)),
                GpuPeakMemoryMiB = AllOrNull(arm.Select(r => r.GpuPeakMemoryMiB)),
            });
        }

        return summaries;
    }

    private static StatSummary? AllOrNull(IEnumerable<double?> values)
    {
        var list = values.ToList();
        return list.Count > 0 && list.All(v => v is { } x && double.IsFinite(x)) ? Statistics.Summarize(list.Select(v => v!.Value)) : null;
    }

    /// <summary>
    /// The first summarised quantity that is not a finite number (a run's value too large to summarise: two of 1.7e308
    /// make an infinite spread), which no report.json can hold; null when every one is finite.
    /// </summary>
    public static (ArmKind Arm, string Quantity)? FirstNotFinite(IReadOnlyList<ArmSummary> summaries)
    {
        static bool Finite(StatSummary? s) => s is null
            || (double.IsFinite(s.Mean) && double.IsFinite(s.StdDev) && double.IsFinite(s.Low95 ?? 0) && double.IsFinite(s.High95 ?? 0));

        foreach (var s in summaries)
        {
            if (SummaryQuantities.All.FirstOrDefault(q => !Finite(q.Of(s))) is { Name: { } name })
            {
                return (s.Arm, name);
            }
        }

        return null;
    }
}
