using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Dendritic.Experiments;

/// <summary>
/// Merges reports of the same experiment run on disjoint seeds (several processes, GPUs or machines) into one, whose
/// summaries and paired differences are computed over all seeds exactly as a single run over those seeds would compute
/// them. Each run's results do not depend on the other seeds (every seed starts from its own generator state), so a
/// merged report holds the same numbers as one run; only wall-clock, energy and GPU figures depend on what else ran
/// beside each part.
/// </summary>
public static class ReportMerger
{
    /// <summary>Merges <paramref name="reports"/>.</summary>
    /// <param name="reports">At least one report; all of the same experiment (data, metric, width, recipe, growth, device, grid intensity, and the same model: a report does not name it, so the baseline's parameter count stands for it), with no seed in two of them.</param>
    /// <returns>The merged report: runs of every report, seeds in ascending order, summaries over all of them, the latest finish time, and every distinct machine description.</returns>
    /// <exception cref="ReportMergeException">
    /// No report was given; a report is incomplete, lists seeds other than those of its runs, lists a seed twice, or does
    /// not run every arm once per seed (a repeated run is named by arm and seed); a setting, the baseline's parameter count or the set of arms differs
    /// (named with both values, numbers in the invariant culture); a seed appears in two reports; or the runs' values are
    /// too large to summarise (a summary would be infinite; the arm and quantity are named). Reports are named by their
    /// position in <paramref name="reports"/>, from 1.
    /// </exception>
    public static ExperimentReport Merge(IReadOnlyList<ExperimentReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        if (reports.Count == 0)
        {
            throw new ReportMergeException("No report to merge: give at least one.");
        }

        var first = reports[0];
        var problems = new List<string>();
        for (var i = 0; i < reports.Count; i++)
        {
            CheckPart(problems, i, reports[i]);
        }

        // The comparisons below read every part's runs, so incomplete parts stop here.
        ThrowIfAny(problems);

        var arms = first.Runs.Select(r => r.Arm).Distinct().Order().ToArray();
        for (var i = 1; i < reports.Count; i++)
        {
            var other = reports[i];
            Compare(problems, i, "Data", first.Data, other.Data);
            Compare(problems, i, "MetricName", first.MetricName, other.MetricName);
            Compare(problems, i, "Width", first.Width, other.Width);
            Compare(problems, i, "Recipe", first.Recipe, other.Recipe);
            Compare(problems, i, "Growth", first.Growth, other.Growth);
            Compare(problems, i, "Device", first.Device, other.Device);
            Compare(problems, i, "GridIntensityGramsPerKwh", first.GridIntensityGramsPerKwh, other.GridIntensityGramsPerKwh);

            // A report does not name its model; at one width, the baseline's parameter count tells two models apart.
            Compare(problems, i, "the baseline's parameter count (the parts ran different models)", BaselineParameters(first), BaselineParameters(other));
            var otherArms = other.Runs.Select(r => r.Arm).Distinct().Order().ToArray();
            if (!otherArms.SequenceEqual(arms))
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"report {i + 1} ran the arms {string.Join(", ", otherArms)}, report 1 {string.Join(", ", arms)}"));
            }
        }

        var repeated = reports.SelectMany(r => r.Seeds).GroupBy(s => s).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"seed(s) {ReportWriter.Join(repeated)} appear in more than one report; a seed counts once (give the parts disjoint seeds: ExperimentOptions.Seeds, or the pilot's --first-seed and --seeds)"));
        }

        ThrowIfAny(problems);

        var runs = reports.SelectMany(r => r.Runs).OrderBy(r => r.Seed).ThenBy(r => r.Arm).ToList();
        var summaries = ReportSummaries.Build(runs);
        ThrowIfNotFinite(summaries);
        return first with
        {
            FinishedUtc = reports.Max(r => r.FinishedUtc),
            Seeds = reports.SelectMany(r => r.Seeds).Order().ToArray(),
            Machine = string.Join(" | ", reports.Select(r => r.Machine).Distinct(StringComparer.Ordinal)),
            Runs = runs,
            Summaries = summaries,
            // The parts' warnings about their data; those their runs showed are derived again from the merged runs.
            Warnings = reports.SelectMany(r => r.Warnings).Distinct(StringComparer.Ordinal).ToArray(),
        };
    }

    /// <summary>
    /// Finite runs can still summarise to infinity (a value near 1e308 overflows the squares of the standard deviation);
    /// such a report could not be written (JSON has no infinity), and no measured run comes near one. Checked here, not
    /// left to the writer, so that the merge fails before anything is printed or written, naming the arm and quantity.
    /// </summary>
    private static void ThrowIfNotFinite(IReadOnlyList<ArmSummary> summaries)
    {
        if (ReportSummaries.FirstNotFinite(summaries) is { } bad)
        {
            throw new ReportMergeException($"The reports cannot be merged: the {ReportWriter.Label(bad.Arm)} arm's {bad.Quantity} over all seeds is not a finite number (a run's value is too large to summarise); check that arm's runs in each report.");
        }
    }

    /// <summary>Throws one <see cref="ReportMergeException"/> listing every problem found so far, if there is any.</summary>
    private static void ThrowIfAny(List<string> problems)
    {
        if (problems.Count > 0)
        {
            throw new ReportMergeException("The reports cannot be merged: " + string.Join("; ", problems) + ".");
        }
    }

    // A part must be what it says: runs for exactly its seeds, every seed with the same arms, each arm once.
    private static void CheckPart(List<string> problems, int index, ExperimentReport report)
    {
        if (report is null || report.Runs is null || report.Seeds is null || report.Recipe is null || report.Runs.Any(r => r is null))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"report {index + 1} is incomplete (no seeds, recipe or runs, or an empty run)"));
            return;
        }

        var runSeeds = report.Runs.Select(r => r.Seed).Distinct().Order().ToArray();
        if (report.Runs.Count == 0 || !runSeeds.SequenceEqual(report.Seeds.Distinct().Order()))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"report {index + 1} lists seeds {ReportWriter.Join(report.Seeds)} but holds runs of seeds {ReportWriter.Join(runSeeds)}"));
        }

        var listedTwice = report.Seeds.GroupBy(s => s).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (listedTwice.Count > 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"report {index + 1} lists seed(s) {ReportWriter.Join(listedTwice)} more than once"));
        }

        // A hand-made or edited report can hold a run twice; named here, it would otherwise fail later, unnamed, where
        // the runs are paired by seed.
        var repeatedRuns = report.Runs.GroupBy(r => (r.Seed, r.Arm)).Where(g => g.Count() > 1).OrderBy(g => g.Key.Seed).ThenBy(g => g.Key.Arm)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} runs of the {ReportWriter.Label(g.Key.Arm)} arm for seed {g.Key.Seed}")).ToList();
        var perSeed = report.Runs.GroupBy(r => r.Seed).Select(g => string.Join(",", g.Select(r => r.Arm).Order())).Distinct().Count();
        if (repeatedRuns.Count > 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"report {index + 1} holds {string.Join(", ", repeatedRuns)}, where every arm runs once per seed"));
        }
        else if (perSeed > 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"report {index + 1} does not run every arm once per seed"));
        }
    }

    private static string BaselineParameters(ExperimentReport report) =>
        string.Join(", ", report.Runs.Where(r => r.Arm == ArmKind.Baseline).Select(r => r.Parameters).Distinct().Order().Select(p => p.ToString(CultureInfo.InvariantCulture)));

    private static void Compare<T>(List<string> problems, int index, string name, T first, T other)
    {
        if (!EqualityComparer<T>.Default.Equals(first, other))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name} differs between report 1 ({Invariant(first)}) and report {index + 1} ({Invariant(other)})"));
        }
    }

    /// <summary><paramref name="value"/> as text in the invariant culture, a record's members included.</summary>
    private static string Invariant<T>(T value)
    {
        if (value is IFormattable formattable)
        {
            return formattable.ToString(null, CultureInfo.InvariantCulture);
        }

        // A record's ToString formats its numbers with the current culture whatever the interpolation's provider
        // (LearningRate = 0,001 under de-DE), so it runs under the invariant culture.
        return InvariantCulture.Run(() => value?.ToString() ?? string.Empty);
    }
}
