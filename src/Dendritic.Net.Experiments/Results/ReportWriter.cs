using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dendritic.Experiments;

/// <summary>
/// Writes an <see cref="ExperimentReport"/> as <c>report.json</c> (everything), <c>runs.csv</c> (one row per arm and
/// seed), <c>summary.csv</c> (one row per arm), <c>curves.csv</c> (one row per epoch), <c>activations.csv</c> (the
/// dendritic arm's activation scales, one row per epoch and wrapped layer) and <c>summary.md</c> (the
/// Markdown table). Numbers use the invariant culture; unmeasured values are empty in CSV and null in JSON.
/// </summary>
public static class ReportWriter
{
    // Every number of a report is finite, reading and writing: FiniteDoubleConverter is the one place that says so.
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(), new FiniteDoubleConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    // Reading also rejects null where the types say a value is never null (a hand-edited or damaged report.json), a key
    // given twice (the serializer kept the last: "Width": 8, "Width": -1 read as -1), and an enum given as anything but
    // one of its names (the converter placed first wins over the writing one's number-accepting JsonStringEnumConverter).
    private static readonly JsonSerializerOptions ReadJson = ReadOptions();

    /// <summary>
    /// Writes every file into <paramref name="folder"/> (created when missing). Each file is written atomically (a
    /// temporary file beside it, flushed to disk, renamed over it), so a run killed while writing leaves each file as it
    /// was or complete, never cut short.
    /// </summary>
    /// <param name="report">The report.</param>
    /// <param name="folder">The output folder.</param>
    /// <returns>The paths written.</returns>
    /// <exception cref="IOException">A file cannot be written, or <paramref name="folder"/> is a file.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder may not be written.</exception>
    /// <exception cref="JsonException">A number is NaN or infinite (see <see cref="ToJson"/>); nothing is written then.</exception>
    public static IReadOnlyList<string> WriteAll(ExperimentReport report, string folder)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var files = new (string Name, string Text)[]
        {
            ("report.json", ToJson(report)),
            ("runs.csv", RunsCsv(report)),
            ("summary.csv", SummaryCsv(report)),
            ("curves.csv", CurvesCsv(report)),
            ("activations.csv", ActivationReport.Csv(report)),
            ("summary.md", ToMarkdown(report)),
        };

        // After the texts: a report that cannot be written as JSON leaves no folder behind either.
        ReportFolder.Create(folder);
        var paths = new List<string>();
        foreach (var (name, text) in files)
        {
            var path = Path.Combine(folder, name);
            var bytes = new UTF8Encoding(false).GetBytes(text);
            AtomicFileWriter.WriteAllBytes(path, "report file", bytes);
            paths.Add(path);
        }

        return paths;
    }

    /// <summary>The whole report as indented JSON (enums as names).</summary>
    /// <param name="report">The report.</param>
    /// <returns>The JSON text.</returns>
    /// <exception cref="JsonException">A number is NaN or infinite, which JSON cannot hold (the message names the field). A report from <see cref="ExperimentRunner"/>, <see cref="ReportMerger"/> or <see cref="FromJson"/> holds none.</exception>
    public static string ToJson(ExperimentReport report) => FiniteDoubleConverter.Run(() => JsonSerializer.Serialize(report, Json));

    /// <summary>
    /// Reads a report written by <see cref="ToJson"/>. The text is checked as untrusted input: every value the report's
    /// types declare non-null (names, sources, lists, runs, curves, summaries) must be present and not null, no key may
    /// appear twice in an object, every enum (an arm) must be one of its names (not a number, not a list of names),
    /// every number must fit a double ("1e400" would read as infinity), and every value must be one a run writes: widths,
    /// epoch and batch counts at least 1; counts and measurements at least 0; a GPU utilisation 0 to 100; with the
    /// metric "accuracy", every accuracy 0 to 1; a run's epoch count equal to its curve's points, which number its
    /// epochs 1 to that count, each once, and its best epoch one of them; every arm run once per seed, and the seeds
    /// listed those of the runs, each once. The summaries are computed again from the runs: the file's own are not used,
    /// since an edited one could show anything. So what is returned can be summarised, merged, drawn and written
    /// without a <see cref="NullReferenceException"/> or an <see cref="ArgumentException"/>, and does not show values no
    /// run measured.
    /// </summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="JsonException">The text is not such a report, a value it needs is missing or null, a key appears twice, an enum value is not a name, a number is too large for a double, a value is out of its range or inconsistent with its run (the message names the field, the run and the value), or the runs' values are too large to summarise.</exception>
    public static ExperimentReport FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var report = Deserialize(json) ?? throw new JsonException("The JSON holds no report.");
        ReportValidation.ThrowIfInvalid(report);
        var summaries = ReportSummaries.Build(report.Runs);
        if (ReportSummaries.FirstNotFinite(summaries) is { } bad)
        {
            throw new JsonException($"The report's runs of the {Label(bad.Arm)} arm have a {bad.Quantity} too large to summarise (over the seeds it is not a finite number, which no report.json holds). The file was edited or damaged; use the report.json its run wrote.");
        }

        return report with { Summaries = summaries };
    }

    private static ExperimentReport? Deserialize(string json)
    {
        try
        {
            return FiniteDoubleConverter.Run(() => NameOnlyEnumConverter.Run(() => JsonSerializer.Deserialize<ExperimentReport>(json, ReadJson)));
        }
        catch (JsonException e) when (e.Path is { } path && !e.Message.Contains(path, StringComparison.Ordinal))
        {
            // Some of the serializer's messages leave out where they are ("Duplicate property 'Seed' encountered during
            // deserialization of type 'RunResult'."): in a report with dozens of runs, the path says which one.
            throw new JsonException(string.Create(CultureInfo.InvariantCulture, $"{e.Message} At {path}, line {e.LineNumber + 1}. {EditedOrDamaged}"), path, e.LineNumber, e.BytePositionInLine, e);
        }
        catch (JsonException e) when (!e.Message.Contains(EditedOrDamaged, StringComparison.Ordinal))
        {
            // The serializer's own messages ("The JSON value could not be converted to System.Double. Path: ...") say
            // where but not what to do, as every other refusal of a report does.
            throw new JsonException($"{e.Message} {EditedOrDamaged}", e.Path, e.LineNumber, e.BytePositionInLine, e);
        }
    }

    private const string EditedOrDamaged = "The file was edited or damaged; use the report.json its run wrote.";

    private static JsonSerializerOptions ReadOptions()
    {
        var options = new JsonSerializerOptions(Json) { RespectNullableAnnotations = true, AllowDuplicateProperties = false };
        options.Converters.Insert(0, new NameOnlyEnumConverter());
        return options;
    }

    /// <summary>One row per arm and seed.</summary>
    /// <param name="report">The report.</param>
    /// <returns>CSV text with a header row.</returns>
    public static string RunsCsv(ExperimentReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var csv = new StringBuilder("arm,seed,width,epochs,best_epoch,best_validation,test_metric,parameters,flops_per_sample,training_seconds,latency_ms,latency_batch,peak_memory_bytes,energy_joules,co2_grams,dendrites_per_layer,energy_source,gpu_utilization_percent,gpu_peak_memory_mib,gpu_source,best_epoch_parameters,candidate_passes,growth_cut_off\n");
        foreach (var r in report.Runs)
        {
            csv.AppendLine(Row(r.Arm, r.Seed, r.Width, r.Epochs, r.BestEpoch, r.BestValidationMetric, r.TestMetric, r.Parameters, r.FlopsPerSample, r.TrainingSeconds, r.LatencyMilliseconds, r.LatencyBatchSize, r.PeakMemoryBytes, r.EnergyJoules, r.Co2Grams, r.DendriteCount, CsvText.Quote(r.EnergySource), r.GpuUtilizationPercent, r.GpuPeakMemoryMiB, CsvText.Quote(r.GpuSource), r.BestEpochParameters, r.CandidatePasses, r.GrowthCutOff is { } cut ? (cut ? "true" : "false") : null));
        }

        return csv.ToString();
    }

    /// <summary>One row per arm: mean, standard deviation and 95% interval of each measurement.</summary>
    /// <param name="report">The report.</param>
    /// <returns>CSV text with a header row.</returns>
    public static string SummaryCsv(ExperimentReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var header = new StringBuilder("arm,seeds,widths");
        foreach (var (m, _, _) in SummaryQuantities.All)
        {
            header.Append(CultureInfo.InvariantCulture, $",{m}_mean,{m}_std,{m}_low95,{m}_high95");
        }

        var csv = new StringBuilder(header.Append('\n').ToString());
        foreach (var s in report.Summaries)
        {
            var cells = new List<object?> { s.Arm, s.TestMetric.Count, CsvText.Quote(string.Join(" ", s.Widths.Select(w => w.ToString(CultureInfo.InvariantCulture)))) };
            foreach (var stat in SummaryQuantities.All.Select(q => q.Of(s)))
            {
                cells.AddRange(new object?[] { stat?.Mean, stat?.StdDev, stat?.Low95, stat?.High95 });
            }

            csv.AppendLine(Row(cells.ToArray()));
        }

        return csv.ToString();
    }

    /// <summary>One row per arm, seed and epoch: the training curves, with growth steps.</summary>
    /// <param name="report">The report.</param>
    /// <returns>CSV text with a header row.</returns>
    public static string CurvesCsv(ExperimentReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var csv = new StringBuilder("arm,seed,epoch,train_loss,validation_metric,test_metric,parameters,growth\n");
        foreach (var r in report.Runs)
        {
            foreach (var e in r.Curve)
            {
                csv.AppendLine(Row(r.Arm, r.Seed, e.Epoch, e.TrainLoss, e.ValidationMetric, e.TestMetric, e.Parameters, e.Growth is null ? null : CsvText.Quote(e.Growth)));
            }
        }

        return csv.ToString();
    }

    /// <summary>The summary as a Markdown table with a short header saying what ran where.</summary>
    /// <param name="report">The report.</param>
    /// <returns>Markdown text.</returns>
    public static string ToMarkdown(ExperimentReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var percent = report.MetricName.Equals("accuracy", StringComparison.OrdinalIgnoreCase);
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Data: {report.Data}. Seeds: {Join(report.Seeds)}. Baseline width {report.Width}, {report.Recipe.Epochs} epochs, batch {report.Recipe.BatchSize}, Adam lr {report.Recipe.LearningRate.ToString(CultureInfo.InvariantCulture)}. Device: {report.Device}.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Dendritic arm: {report.Growth}.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {report.Machine}.");
        md.AppendLine();
        var unit = percent ? " (%)" : string.Empty;
        md.AppendLine(CultureInfo.InvariantCulture, $"| Arm | Width | Params | FLOPs/sample | Epochs | Test {report.MetricName}{unit}, mean ± sd | 95% CI | Δ vs baseline, paired (95% CI) | Train s | Latency ms/batch | Peak MB | Energy J | GPU util % | GPU peak MiB |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var s in report.Summaries)
        {
            var scale = percent ? 100.0 : 1.0;
            var widths = s.Widths.Distinct().Count() == 1 ? s.Widths[0].ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{s.Widths.Min()}–{s.Widths.Max()}");
            var diff = s.DifferenceVsBaseline is { } d
                ? $"{Signed(d.Mean * scale, percent)} ({Interval(d, scale, signed: true, percent)})"
                : "—";
            var format = MetricFormat(percent);
            md.AppendLine(CultureInfo.InvariantCulture, $"| {Label(s.Arm)} | {widths} | {s.Parameters.Mean:N0} | {s.FlopsPerSample.Mean:N0} | {s.Epochs.Mean:0.#} | {(s.TestMetric.Mean * scale).ToString(format, CultureInfo.InvariantCulture)} ± {(s.TestMetric.Count < 2 ? "n/a" : (s.TestMetric.StdDev * scale).ToString(format, CultureInfo.InvariantCulture))} | {Interval(s.TestMetric, scale, signed: false, percent)} | {diff} | {s.TrainingSeconds.Mean:F1} | {s.LatencyMilliseconds.Mean:F2} | {(s.PeakMemoryBytes is { } m ? (m.Mean / 1048576).ToString("F0", CultureInfo.InvariantCulture) : "not measured")} | {Measured(s.EnergyJoules, "F1")} | {Measured(s.GpuUtilizationPercent, "F0")} | {Measured(s.GpuPeakMemoryMiB, "F0")} |");
        }

        if (report.Runs.Any(r => r.Arm == ArmKind.Dendritic))
        {
            md.AppendLine();
            md.AppendLine("Dendritic arm against each other arm (paired by seed, test metric difference, 95% CI):");
            md.AppendLine();
            foreach (var other in report.Summaries.Select(s => s.Arm).Where(a => a != ArmKind.Dendritic))
            {
                if (Comparison.Paired(report, ArmKind.Dendritic, other) is { } d)
                {
                    var scale = percent ? 100.0 : 1.0;
                    md.AppendLine(CultureInfo.InvariantCulture, $"- vs {Label(other)}: {Signed(d.Mean * scale, percent)}{(percent ? " pp" : string.Empty)} ({Interval(d, scale, signed: true, percent)}): **{Comparison.Verdict(d)}**");
                }
            }
        }

        if (report.Warnings.Count > 0)
        {
            md.AppendLine();
            foreach (var warning in report.Warnings)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"**Warning:** {warning}");
            }
        }

        var grown = report.Runs.Where(r => r.GrowthCutOff is not null).ToList();
        if (grown.Count(r => r.GrowthCutOff == true) is var cut and > 0)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"**Note:** the dendritic arm's epoch cap ended its growth before the policy finished on {cut} of {grown.Count} seeds ({Join(grown.Where(r => r.GrowthCutOff == true).Select(r => r.Seed))}): a larger cap might change the result.");
        }

        // A dendritic arm whose reported model kept no set is the plain model at the baseline's width, trained as long
        // as the train-as-long control: on those seeds the comparisons are near-ties by construction, not a finding.
        var plain = report.Runs.Where(r => r.Arm == ArmKind.Dendritic && r.DendriteCount == 0).Select(r => r.Seed).ToList();
        if (plain.Count > 0)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"**Note:** on {plain.Count} of {report.Runs.Count(r => r.Arm == ArmKind.Dendritic)} seeds ({Join(plain)}) the dendritic arm's reported model has no dendrites (no set it grew was in the model at its best validation epoch): there it is the plain model, trained as long as the train-as-long control, so its comparisons on those seeds are near-ties by construction, not evidence about dendrites.");
        }

        // The controls train as long as the dendritic arm, which stops when its growth completes: possibly before the
        // baseline's budget, and then "train-as-long" trained less than the baseline.
        var shorter = report.Runs.Where(r => r.Arm == ArmKind.TrainAsLong)
            .Where(r => report.Runs.Any(b => b.Arm == ArmKind.Baseline && b.Seed == r.Seed && r.Epochs < b.Epochs))
            .Select(r => r.Seed).ToList();
        if (shorter.Count > 0)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"**Note:** on {shorter.Count} of {report.Runs.Count(r => r.Arm == ArmKind.TrainAsLong)} seeds ({Join(shorter)}) the dendritic arm's growth completed before the baseline's {report.Recipe.Epochs} epochs, so the train-as-long control, which trains as long as the dendritic arm, trained fewer epochs than the baseline there.");
        }

        md.Append(ActivationReport.Markdown(report));
        var energy = report.Runs.Select(r => r.EnergySource).Distinct().ToList();
        md.AppendLine();
        var co2 = report.GridIntensityGramsPerKwh is not { } g ? " No CO2 figure: no grid intensity was given."
            : report.Runs.Any(r => r.Co2Grams is not null) ? string.Create(CultureInfo.InvariantCulture, $" CO2 at {g} g/kWh: see runs.csv (co2_grams).")
            : string.Create(CultureInfo.InvariantCulture, $" No CO2 figure at {g} g/kWh: no energy was measured.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Energy: {string.Join("; ", energy)}.{co2}");
        md.AppendLine(CultureInfo.InvariantCulture, $"GPU: {string.Join("; ", report.Runs.Select(r => r.GpuSource).Distinct())}.");
        md.AppendLine("Test metric at the epoch with the best validation score; Δ is the arm minus the baseline on the same seed. Peak MB is the process's peak resident memory during the arm.");
        return md.ToString();
    }

    /// <summary>A short human-readable name for an arm.</summary>
    /// <param name="arm">The arm.</param>
    /// <returns>For example "capacity-matched control".</returns>
    public static string Label(ArmKind arm) => arm switch
    {
        ArmKind.Baseline => "baseline",
        ArmKind.Dendritic => "dendritic",
        ArmKind.CapacityMatched => "capacity-matched control",
        ArmKind.TrainAsLong => "train-as-long control",
        _ => arm.ToString(),
    };

    private static string Interval(StatSummary s, double scale, bool signed, bool percent) =>
        s.Low95 is { } low && s.High95 is { } high
            ? (signed
                ? $"{Signed(low * scale, percent)} to {Signed(high * scale, percent)}"
                : $"{(low * scale).ToString(MetricFormat(percent), CultureInfo.InvariantCulture)} to {(high * scale).ToString(MetricFormat(percent), CultureInfo.InvariantCulture)}")
            : "n/a (1 seed)";

    /// <summary>
    /// Two decimals for percentages; four for a metric of its own (an R² of 0.7012 against 0.7048 read "0.70" and
    /// "0.70", hiding the difference being compared).
    /// </summary>
    private static string MetricFormat(bool percent) => percent ? "F2" : "F4";

    private static string Measured(StatSummary? s, string format) => s is { } m ? m.Mean.ToString(format, CultureInfo.InvariantCulture) : "not measured";

    private static string Signed(double value, bool percent) =>
        percent ? FormatSigned(value) : value.ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture);

    /// <summary>
    /// <paramref name="value"/> with its sign and two decimals, as the reports print differences ("+0.42", "-1.66");
    /// zero, and noise that rounds to it, as "0.00". A value that is not zero but rounds to zero at two decimals gets
    /// up to four ("+0.0046"), so that an interval bound near zero shows on which side of it it lies.
    /// </summary>
    /// <param name="value">The number, already in the unit printed (percentage points for accuracies).</param>
    /// <returns>The text, invariant culture.</returns>
    internal static string FormatSigned(double value) =>
        value.ToString(Math.Abs(value) < 0.005 ? "+0.00##;-0.00##;0.00" : "+0.00;-0.00;0.00", CultureInfo.InvariantCulture);

    // string.Join formats each number with the current culture, whose negative sign may not be '-' (U+2212 in sv-SE).
    /// <summary>Integers (seeds, widths) joined with ", " in the invariant culture, whose minus sign is '-'.</summary>
    internal static string Join(IEnumerable<int> values) => string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));

    private static string Row(params object?[] cells) => string.Join(",", cells.Select(c => c switch
    {
        null => string.Empty,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => c.ToString(),
    }));
}
