using System;
using System.Collections.Generic;
using System.Linq;

namespace Dendritic.Experiments;

/// <summary>
/// The warnings a report's runs themselves show, derived from them whenever <see cref="ExperimentReport.Warnings"/> is
/// read, so that they follow the runs: a merged report warns when its runs do, not when one part's did.
/// </summary>
internal static class ReportWarnings
{
    // How the derived sentence starts: how a copy of it in a report.json written before it was derived is recognised.
    private const string FirstEpochBestStart = "Every run's best validation epoch was its first";

    /// <summary>
    /// The warning for runs that all kept their first epoch though some trained more: what a lower-is-better metric
    /// (a loss) does, since the harness keeps the highest; null when the runs do not show it.
    /// </summary>
    /// <param name="runs">The report's runs (null, or null items, in a report built by hand: no warning).</param>
    /// <param name="metricName">The metric's name, quoted in the warning.</param>
    public static string? FirstEpochBest(IReadOnlyList<RunResult>? runs, string? metricName) =>
        runs is { Count: > 0 } && runs.All(r => r?.BestEpoch == 1) && runs.Any(r => r.Epochs > 1)
            ? $"{FirstEpochBestStart}, so every arm reports a model after one epoch. The harness keeps the epoch with the highest '{metricName}': if lower is better for it (a loss, MSE), give its negation as ExperimentOptions.Metric."
            : null;

    /// <summary><paramref name="stored"/>, then the warnings derived from <paramref name="runs"/>.</summary>
    public static IReadOnlyList<string> With(IReadOnlyList<string> stored, IReadOnlyList<RunResult>? runs, string? metricName) =>
        FirstEpochBest(runs, metricName) is { } derived ? [.. stored, derived] : stored;

    /// <summary><paramref name="warnings"/> without those derived from the runs, which are derived again on reading.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="warnings"/> is null.</exception>
    public static IReadOnlyList<string> WithoutDerived(IReadOnlyList<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(warnings);
        return warnings.Any(IsDerived) ? warnings.Where(w => !IsDerived(w)).ToArray() : warnings;
    }

    private static bool IsDerived(string? warning) => warning?.StartsWith(FirstEpochBestStart, StringComparison.Ordinal) == true;
}
