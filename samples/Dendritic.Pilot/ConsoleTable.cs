using System;
using System.Globalization;
using System.Linq;
using Dendritic.Experiments;
using Spectre.Console;

namespace Dendritic.Pilot;

/// <summary>Prints the summary table and the plain-words verdict.</summary>
internal static class ConsoleTable
{
    public static void Print(ExperimentReport report)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Test accuracy at best validation epoch[/]");
        foreach (var header in new[] { "Arm", "Width", "Params", "FLOPs/sample", "Epochs", "Accuracy % (mean ± sd)", "95% CI", "Δ vs baseline (pp, 95% CI)", "Train s", "Latency ms", "Energy", "GPU util / peak" })
        {
            table.AddColumn(new TableColumn(header));
        }

        foreach (var s in report.Summaries)
        {
            var widths = s.Widths.Distinct().Count() == 1 ? s.Widths[0].ToString(CultureInfo.InvariantCulture) : $"{s.Widths.Min()}–{s.Widths.Max()}";
            table.AddRow(
                ReportWriter.Label(s.Arm),
                widths,
                s.Parameters.Mean.ToString("N0", CultureInfo.InvariantCulture),
                s.FlopsPerSample.Mean.ToString("N0", CultureInfo.InvariantCulture),
                s.Epochs.Mean.ToString("0.#", CultureInfo.InvariantCulture),
                string.Create(CultureInfo.InvariantCulture, $"{s.TestMetric.Mean * 100:F2} ± {(s.TestMetric.Count < 2 ? "n/a" : (s.TestMetric.StdDev * 100).ToString("F2", CultureInfo.InvariantCulture))}"),
                Interval(s.TestMetric),
                s.DifferenceVsBaseline is { } d ? string.Create(CultureInfo.InvariantCulture, $"{Signed(d.Mean * 100)} ({Interval(d, signed: true)})") : "—",
                s.TrainingSeconds.Mean.ToString("F1", CultureInfo.InvariantCulture),
                s.LatencyMilliseconds.Mean.ToString("F2", CultureInfo.InvariantCulture),
                s.EnergyJoules is { } e ? e.Mean.ToString("F0", CultureInfo.InvariantCulture) + " J" : "not measured",
                s.GpuUtilizationPercent is { } u && s.GpuPeakMemoryMiB is { } m ? string.Create(CultureInfo.InvariantCulture, $"{u.Mean:F0}% / {m.Mean:F0} MiB") : "not measured");
        }

        AnsiConsole.Write(table);
        foreach (var other in report.Summaries.Select(s => s.Arm).Where(a => a != ArmKind.Dendritic))
        {
            if (report.Runs.Any(r => r.Arm == ArmKind.Dendritic) && Comparison.Paired(report, ArmKind.Dendritic, other) is { } d)
            {
                var verdict = Comparison.Verdict(d);
                var colour = verdict == "better" ? "green" : verdict == "worse" ? "red" : "yellow";
                AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"Dendritic vs {ReportWriter.Label(other)}: {Signed(d.Mean * 100)} pp ({Interval(d, signed: true)}) → [{colour}]{verdict}[/]"));
            }
        }

        var level = ActivationMonitorOptions.Default.SaturationWarningLevel;
        var saturated = report.Runs.SelectMany(r => r.Curve).SelectMany(e => e.Activations ?? []).Where(a => a.SaturatedFraction > level).Select(a => a.Layer).Distinct().ToList();
        if (saturated.Count > 0)
        {
            AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[yellow]Warning: more than {level:P0} of the dendrite outputs of {ConsoleText.Markup(string.Join(", ", saturated))} were saturated in some epoch; they barely learn (summary.md, activations.csv).[/]"));
        }

        var grown = report.Runs.Where(r => r.GrowthCutOff is not null).ToList();
        if (grown.Count(r => r.GrowthCutOff == true) is var cut and > 0)
        {
            AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[yellow]Note: --max-epochs ended the dendritic arm's growth before the scheduler completed on {cut} of {grown.Count} seeds; a larger cap might change the result.[/]"));
        }

        var plain = report.Runs.Where(r => r.Arm == ArmKind.Dendritic && r.DendriteCount == 0).Select(r => r.Seed).ToList();
        if (plain.Count > 0)
        {
            AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[yellow]Note: on {plain.Count} of {report.Runs.Count(r => r.Arm == ArmKind.Dendritic)} seeds ({string.Join(", ", plain)}) the dendritic arm kept no dendrite set; there it is the plain model trained as long as the train-as-long control.[/]"));
        }

        AnsiConsole.MarkupLine($"[grey]Energy: {ConsoleText.Markup(string.Join("; ", report.Runs.Select(r => r.EnergySource).Distinct()))}. Dendritic arm: {ConsoleText.Markup(report.Growth)}.[/]");
    }

    /// <summary>
    /// A difference in percentage points as summary.md prints it: sign and two decimals ("+0.42"); zero, and noise that
    /// rounds to it, as "0.00"; up to four decimals for a value that is not zero but rounds to it ("+0.0046"), so that an
    /// interval bound near zero shows on which side of it it lies.
    /// </summary>
    private static string Signed(double value) =>
        value.ToString(Math.Abs(value) < 0.005 ? "+0.00##;-0.00##;0.00" : "+0.00;-0.00;0.00", CultureInfo.InvariantCulture);

    private static string Interval(StatSummary s, bool signed = false) =>
        s.Low95 is { } low && s.High95 is { } high
            ? (signed
                ? $"{Signed(low * 100)} to {Signed(high * 100)}"
                : string.Create(CultureInfo.InvariantCulture, $"{low * 100:F2} to {high * 100:F2}"))
            : "n/a";
}
