using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Linq;

namespace Dendritic.Experiments;

/// <summary>
/// What <see cref="ReportWriter.FromJson"/> checks after the serializer, which enforces the annotations of properties but
/// not of list elements, and no ranges. A report.json is untrusted input, and each value here is one a run cannot
/// write: a negative width or epoch count, a curve point numbered past the run's epochs (<c>2147483647</c>), an
/// accuracy of 3 or -1. Such a report was merged, summarised and drawn as if measured. Each problem is a
/// <see cref="System.Text.Json.JsonException"/> naming the field (as a path), the run, the value and what it may be.
/// </summary>
internal static class ReportValidation
{
    private const string Fix = "The file was edited or damaged; use the report.json its run wrote.";

    /// <summary>Throws on the first value of <paramref name="report"/> that no run writes.</summary>
    /// <exception cref="System.Text.Json.JsonException">A value is null, out of its range, or inconsistent with the run (the message names it).</exception>
    public static void ThrowIfInvalid(ExperimentReport report)
    {
        AtLeast(report.Width, 1, "Width", null, "a width is at least 1");
        AtLeast(report.Recipe.Epochs, 1, "Recipe.Epochs", null, "a run trains at least one epoch");
        AtLeast(report.Recipe.BatchSize, 1, "Recipe.BatchSize", null, "a batch holds at least one sample");
        AtLeast(report.Recipe.EvaluationBatchSize, 1, "Recipe.EvaluationBatchSize", null, "a batch holds at least one sample");
        Require(report.Recipe.LearningRate > 0, "Recipe.LearningRate", null, report.Recipe.LearningRate, "a learning rate is above 0");
        Require(report.Recipe.WeightDecay >= 0, "Recipe.WeightDecay", null, report.Recipe.WeightDecay, "a weight decay is at least 0");
        if (report.GridIntensityGramsPerKwh is { } grid)
        {
            Require(grid >= 0 && grid <= ExperimentOptions.MaxGridIntensityGramsPerKwh, "GridIntensityGramsPerKwh", null, grid, string.Create(CultureInfo.InvariantCulture, $"a grid intensity is 0 to {ExperimentOptions.MaxGridIntensityGramsPerKwh} g/kWh"));
        }

        // Accuracy is a fraction of samples (reports show it ×100); another metric may take any finite value.
        var fraction = report.MetricName.Equals("accuracy", StringComparison.OrdinalIgnoreCase);
        for (var i = 0; i < report.Runs.Count; i++)
        {
            var run = report.Runs[i];
            Check(run is not null, $"Runs[{i}]");
            CheckRun(run, $"Runs[{i}]", fraction);
            CheckAgainstReport(report, run, $"Runs[{i}]");
        }

        ThrowIfNotOneRunPerArmAndSeed(report);
        for (var i = 0; i < report.Summaries.Count; i++)
        {
            var summary = report.Summaries[i];
            Check(summary is not null, $"Summaries[{i}]");
            for (var w = 0; w < summary.Widths.Count; w++)
            {
                AtLeast(summary.Widths[w], 1, $"Summaries[{i}].Widths[{w}]", null, "a width is at least 1");
            }
        }
    }

    private static void CheckRun(RunResult run, string at, bool fraction)
    {
        var which = string.Create(CultureInfo.InvariantCulture, $"the {ReportWriter.Label(run.Arm)} arm, seed {run.Seed}");
        AtLeast(run.Width, 1, $"{at}.Width", which, "a width is at least 1");

        // The trainer records one curve point per epoch it trains (ArmTrainer: Epochs = Curve.Count), each epoch once,
        // numbered from 1, and at least one: so the epoch count is bounded by the file, not by int.
        AtLeast(run.Epochs, 1, $"{at}.Epochs", which, "a run trains at least one epoch");
        AtLeast(run.CandidatePasses, 0, $"{at}.CandidatePasses", which, "a count is at least 0");
        AtLeast(run.Parameters, 0, $"{at}.Parameters", which, "a count is at least 0");
        AtLeast(run.BestEpochParameters, 0, $"{at}.BestEpochParameters", which, "a count is at least 0");
        AtLeast(run.DendriteCount, 0, $"{at}.DendritesPerLayer", which, "a count is at least 0");
        AtLeast(run.LatencyBatchSize, 0, $"{at}.LatencyBatchSize", which, "a count is at least 0");
        Metric(run.BestValidationMetric, $"{at}.BestValidationMetric", which, fraction);
        Metric(run.TestMetric, $"{at}.TestMetric", which, fraction);
        NotNegative(run.FlopsPerSample, $"{at}.FlopsPerSample", which);
        NotNegative(run.TrainingSeconds, $"{at}.TrainingSeconds", which);
        NotNegative(run.LatencyMilliseconds, $"{at}.LatencyMilliseconds", which);
        NotNegative(run.PeakMemoryBytes, $"{at}.PeakMemoryBytes", which);
        NotNegative(run.EnergyJoules, $"{at}.EnergyJoules", which);
        NotNegative(run.Co2Grams, $"{at}.Co2Grams", which);
        NotNegative(run.GpuPeakMemoryMiB, $"{at}.GpuPeakMemoryMiB", which);
        if (run.GpuUtilizationPercent is { } gpu)
        {
            Require(gpu is >= 0 and <= 100, $"{at}.GpuUtilizationPercent", which, gpu, "a utilisation is 0 to 100 percent");
        }

        var seen = new Dictionary<int, int>();
        for (var e = 0; e < run.Curve.Count; e++)
        {
            var epoch = run.Curve[e];
            var point = string.Create(CultureInfo.InvariantCulture, $"{at}.Curve[{e}]");
            Check(epoch is not null, point);
            for (var a = 0; a < (epoch.Activations?.Count ?? 0); a++)
            {
                Check(epoch.Activations![a] is not null, string.Create(CultureInfo.InvariantCulture, $"{point}.Activations[{a}]"));
            }

            // Checked before the repeat: a number past the run's epochs is named as such, not as a repeat of itself.
            Require(epoch.Epoch >= 1 && epoch.Epoch <= run.Epochs, $"{point}.Epoch", which, epoch.Epoch, string.Create(CultureInfo.InvariantCulture, $"it is one of the run's epochs, 1 to {run.Epochs}"));
            if (!seen.TryAdd(epoch.Epoch, e))
            {
                // What no type can say: a curve that repeats an epoch was edited or damaged (nothing resumes a run),
                // and the charts and curves.csv would have to guess which of its records is the epoch's.
                throw new System.Text.Json.JsonException(string.Create(CultureInfo.InvariantCulture, $"The report's {at} ({which}) lists epoch {epoch.Epoch} twice, at Curve[{seen[epoch.Epoch]}] and Curve[{e}]: a run records each epoch once. {Fix}"));
            }

            Metric(epoch.ValidationMetric, $"{point}.ValidationMetric", which, fraction);
            Metric(epoch.TestMetric, $"{point}.TestMetric", which, fraction);
            AtLeast(epoch.Parameters, 0, $"{point}.Parameters", which, "a count is at least 0");
        }

        // After the points, so that a repeated epoch is named as such rather than as one point too many.
        Require(run.Epochs == run.Curve.Count, $"{at}.Epochs", which, run.Epochs, string.Create(CultureInfo.InvariantCulture, $"it must equal the number of its curve's points ({run.Curve.Count}), one per epoch trained"));
        Require(run.BestEpoch >= 1 && run.BestEpoch <= run.Epochs, $"{at}.BestEpoch", which, run.BestEpoch, string.Create(CultureInfo.InvariantCulture, $"it is one of the run's epochs, 1 to {run.Epochs}"));

        // What the runner records (ArmTrainer): the best epoch is the first of the highest validation score, and the
        // run's scores are that epoch's. An edited score or best epoch no longer agrees with the curve; accepted, a test
        // score of 0.99 where the curve says 0.8775 had summarised to an interval reaching 107.81 %.
        var highest = run.Curve.Max(p => p.ValidationMetric);
        var firstHighest = run.Curve.Where(p => p.ValidationMetric == highest).Min(p => p.Epoch);
        var kept = run.Curve.First(p => p.Epoch == run.BestEpoch);
        Require(run.BestEpoch == firstHighest, $"{at}.BestEpoch", which, run.BestEpoch, string.Create(CultureInfo.InvariantCulture, $"a run keeps the first epoch of its highest validation score, {firstHighest} in its curve"));
        Require(run.BestValidationMetric == kept.ValidationMetric, $"{at}.BestValidationMetric", which, run.BestValidationMetric, string.Create(CultureInfo.InvariantCulture, $"it is its best epoch's validation score in the curve, {kept.ValidationMetric}"));
        Require(run.TestMetric == kept.TestMetric, $"{at}.TestMetric", which, run.TestMetric, string.Create(CultureInfo.InvariantCulture, $"it is its best epoch's test score in the curve, {kept.TestMetric}"));
    }

    // The arms at the report's width (all but the capacity-matched control), and the baseline's budget, the recipe's.
    private static void CheckAgainstReport(ExperimentReport report, RunResult run, string at)
    {
        var which = string.Create(CultureInfo.InvariantCulture, $"the {ReportWriter.Label(run.Arm)} arm, seed {run.Seed}");
        if (run.Arm != ArmKind.CapacityMatched)
        {
            Require(run.Width == report.Width, $"{at}.Width", which, run.Width, string.Create(CultureInfo.InvariantCulture, $"every arm but the capacity-matched control runs at the report's Width, {report.Width}"));
        }

        if (run.Arm == ArmKind.Baseline)
        {
            Require(run.Epochs == report.Recipe.Epochs, $"{at}.Epochs", which, run.Epochs, string.Create(CultureInfo.InvariantCulture, $"the baseline trains the recipe's epochs, Recipe.Epochs {report.Recipe.Epochs}"));
        }
    }

    // The runs are paired by seed (Comparison.Paired) and counted by the seeds listed: a run given twice, a seed listed
    // twice or one without runs made WriteAll throw an ArgumentException naming no file, or a summary say "Seeds: 42".
    private static void ThrowIfNotOneRunPerArmAndSeed(ExperimentReport report)
    {
        if (report.Runs.GroupBy(r => (r.Seed, r.Arm)).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new System.Text.Json.JsonException(string.Create(CultureInfo.InvariantCulture, $"The report's Runs hold {twice.Count()} runs of the {ReportWriter.Label(twice.Key.Arm)} arm for seed {twice.Key.Seed}: every arm runs once per seed. {Fix}"));
        }

        if (report.Runs.GroupBy(r => r.Seed).Select(g => string.Join(",", g.Select(r => r.Arm).Order())).Distinct().Count() > 1)
        {
            throw new System.Text.Json.JsonException($"The report's Runs do not run every arm for every seed: every arm runs once per seed. {Fix}");
        }

        var runSeeds = report.Runs.Select(r => r.Seed).Distinct().Order().ToArray();
        if (report.Seeds.Count != report.Seeds.Distinct().Count() || !runSeeds.SequenceEqual(report.Seeds.Order()))
        {
            throw new System.Text.Json.JsonException(string.Create(CultureInfo.InvariantCulture, $"The report's Seeds are {ReportWriter.Join(report.Seeds.Take(20))}{(report.Seeds.Count > 20 ? " ..." : string.Empty)}, but its runs are of the seeds {ReportWriter.Join(runSeeds.Take(20))}{(runSeeds.Length > 20 ? " ..." : string.Empty)}: the seeds listed are those run, each once. {Fix}"));
        }
    }

    private static void Check([DoesNotReturnIf(false)] bool complete, string what)
    {
        if (!complete)
        {
            throw new System.Text.Json.JsonException($"The report is incomplete: {what} is null.");
        }
    }

    private static void Metric(double value, string field, string which, bool fraction) =>
        Require(!fraction || value is >= 0 and <= 1, field, which, value, "an accuracy is a fraction, 0 to 1");

    private static void NotNegative(double? value, string field, string which)
    {
        if (value is { } v)
        {
            Require(v >= 0, field, which, v, "a measurement is at least 0");
        }
    }

    private static void AtLeast(long value, long least, string field, string? which, string rule) => Require(value >= least, field, which, value, rule);

    private static void Require(bool valid, string field, string? which, IFormattable value, string rule)
    {
        if (!valid)
        {
            var run = which is null ? string.Empty : $" ({which})";
            throw new System.Text.Json.JsonException(string.Create(CultureInfo.InvariantCulture, $"The report's {field}{run} is {value.ToString(null, CultureInfo.InvariantCulture)}: {rule}. {Fix}"));
        }
    }
}
