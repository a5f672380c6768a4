using System;
using System.Linq;

namespace Dendritic.Experiments;

/// <summary>Paired comparisons between two arms of a report, seed by seed.</summary>
public static class Comparison
{
    /// <summary>The test metric of <paramref name="arm"/> minus that of <paramref name="other"/>, over the seeds both ran.</summary>
    /// <param name="report">The report.</param>
    /// <param name="arm">The arm under test.</param>
    /// <param name="other">The arm it is compared with.</param>
    /// <returns>The summary of the differences, or null when the two arms share no seed.</returns>
    /// <exception cref="ArgumentException">The report holds more than one run of either arm for a seed (a hand-built or edited report).</exception>
    public static StatSummary? Paired(ExperimentReport report, ArmKind arm, ArmKind other)
    {
        ArgumentNullException.ThrowIfNull(report);
        ThrowIfRunTwice(report, arm);
        ThrowIfRunTwice(report, other);
        var others = report.Runs.Where(r => r.Arm == other).ToDictionary(r => r.Seed);
        var diffs = report.Runs.Where(r => r.Arm == arm && others.ContainsKey(r.Seed)).OrderBy(r => r.Seed).Select(r => r.TestMetric - others[r.Seed].TestMetric).ToList();
        return diffs.Count == 0 ? null : Statistics.Summarize(diffs);
    }

    /// <summary>A pairing by seed needs one run per arm and seed; ToDictionary's own error named neither.</summary>
    private static void ThrowIfRunTwice(ExperimentReport report, ArmKind arm)
    {
        if (report.Runs.Where(r => r.Arm == arm).GroupBy(r => r.Seed).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException(FormattableString.Invariant($"The report holds {twice.Count()} runs of the {arm} arm for seed {twice.Key}, where every arm runs once per seed, so its seeds cannot be paired. Remove the extra runs (a hand-built or edited report), or join reports with ReportMerger.Merge, which checks this."), nameof(report));
        }
    }

    /// <summary>
    /// A plain-words verdict on a paired difference: "better" when the whole 95% interval lies above zero, "worse" when
    /// it lies below, "no clear difference" otherwise: always with one seed, which has no interval, and when every seed
    /// gives the same difference (to rounding: a spread below a billionth of the mean). Then the interval has no width, not because the difference is certain but because
    /// its spread over seeds cannot be estimated (common with two or three seeds and a metric that moves in steps:
    /// two seeds each +0.50 points of test accuracy had read "better").
    /// </summary>
    /// <param name="difference">A paired difference from <see cref="Paired"/>.</param>
    /// <returns>The verdict.</returns>
    public static string Verdict(StatSummary difference)
    {
        ArgumentNullException.ThrowIfNull(difference);
        return difference switch
        {
            // "The same" difference on every seed comes from subtracting two scores each time, so its doubles can differ
            // in their last bits (0.755 - 0.75 and 0.813 - 0.808): a spread a billion times below the mean is rounding.
            { StdDev: var spread, Mean: var mean } when spread <= Math.Abs(mean) * 1e-9 => "no clear difference",
            { Low95: > 0 } => "better",
            { High95: < 0 } => "worse",
            _ => "no clear difference",
        };
    }
}
