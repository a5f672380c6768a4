using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Dendritic.Experiments;

/// <summary>The report's activation scales (<see cref="EpochRecord.Activations"/>): activations.csv and a Markdown table.</summary>
internal static class ActivationReport
{
    public const string CsvHeader = "arm,seed,epoch,layer,dendrites,activations,mean_abs_activation,saturated_fraction,mean_abs_u,grad_norm";

    /// <summary>One row per arm, seed, epoch and wrapped layer that was probed.</summary>
    public static string Csv(ExperimentReport report)
    {
        var csv = new StringBuilder(CsvHeader).Append('\n');
        foreach (var (run, epoch, layer) in Rows(report))
        {
            csv.Append(string.Join(",", run.Arm, run.Seed.ToString(CultureInfo.InvariantCulture), epoch.Epoch.ToString(CultureInfo.InvariantCulture), CsvText.Quote(layer.Layer), layer.DendriteCount.ToString(CultureInfo.InvariantCulture), layer.Activations.ToString(CultureInfo.InvariantCulture), Number(layer.MeanAbsActivation), Number(layer.SaturatedFraction), Number(layer.MeanAbsOutputScale), Number(layer.GradientNorm))).Append('\n');
        }

        return csv.ToString();
    }

    /// <summary>Per arm and layer: the values at each seed's last probed epoch (mean over seeds), and the largest saturated share of any epoch; empty without probes.</summary>
    public static string Markdown(ExperimentReport report)
    {
        var rows = Rows(report).ToList();
        if (rows.Count == 0)
        {
            return string.Empty;
        }

        var md = new StringBuilder();
        md.AppendLine();
        md.AppendLine("Activation scales of the dendrites (probe pass after each epoch; mean over seeds of each seed's last probed epoch; saturated: on a flat end of the nonlinearity, for the sigmoid below 0.01 or above 0.99; every epoch in activations.csv):");
        md.AppendLine();
        md.AppendLine("| Arm | Layer | Mean \\|a\\| | Saturated % | Saturated %, worst epoch | Mean \\|u\\| | Gradient norm |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var group in rows.GroupBy(r => (r.Run.Arm, r.Layer.Layer)))
        {
            var last = group.GroupBy(r => r.Run.Seed).Select(s => s.Last().Layer).ToList();
            // "—" as Mean gives when no epoch measured it (Max of nulls is null), not "NaN".
            var worst = group.Max(r => r.Layer.SaturatedFraction) is { } w ? (w * 100).ToString("F1", CultureInfo.InvariantCulture) : "—";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {ReportWriter.Label(group.Key.Arm)} | {group.Key.Layer} | {Mean(last, l => l.MeanAbsActivation, "F3")} | {Mean(last, l => l.SaturatedFraction * 100, "F1")} | {worst} | {Mean(last, l => l.MeanAbsOutputScale, "F3")} | {Mean(last, l => l.GradientNorm, "G3")} |");
        }

        var level = ActivationMonitorOptions.Default.SaturationWarningLevel;
        foreach (var layer in rows.Where(r => r.Layer.SaturatedFraction > level).Select(r => $"{ReportWriter.Label(r.Run.Arm)} {r.Layer.Layer}").Distinct())
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"**Warning:** {layer} had more than {level:P0} of its dendrite outputs saturated in some epoch (the monitor's warning level): those dendrites barely learn.");
        }

        return md.ToString();
    }

    private static IEnumerable<(RunResult Run, EpochRecord Epoch, LayerActivationStats Layer)> Rows(ExperimentReport report) =>
        from run in report.Runs
        from epoch in run.Curve
        from layer in epoch.Activations ?? Array.Empty<LayerActivationStats>()
        select (run, epoch, layer);

    private static string Mean(IReadOnlyList<LayerActivationStats> layers, Func<LayerActivationStats, double?> value, string format)
    {
        var values = layers.Select(value).OfType<double>().ToList();
        return values.Count == 0 ? "—" : values.Average().ToString(format, CultureInfo.InvariantCulture);
    }

    private static string Number(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : string.Empty;
}
