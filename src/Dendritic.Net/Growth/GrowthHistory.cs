using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace Dendritic;

/// <summary>
/// Every validation the scheduler saw, in order, with CSV and SVG output. The chart is hand-written SVG so the core
/// package needs no plotting dependency; it renders in any browser on any OS.
/// </summary>
public sealed class GrowthHistory
{
    /// <summary>The CSV header line (columns in this order).</summary>
    /// <remarks>
    /// The last four columns summarise the <see cref="GrowthHistoryEntry.Activations"/> over the wrapped layers (empty
    /// when no <see cref="ActivationMonitor"/> was on): the largest saturated share of any layer, the mean |a| over all
    /// dendrite outputs, the mean of the layers' mean |u|, and the root of the summed squares of the layers' gradient
    /// norms. <see cref="ToActivationCsv"/> has them per layer.
    /// </remarks>
    public static string CsvHeader => "validation,score,smoothed_score,best_score,phase,action,reason,learning_rate,dendrites,parameters,epoch_seconds,max_saturated_fraction,mean_abs_activation,mean_abs_u,dendrite_grad_norm";

    /// <summary>The header line of <see cref="ToActivationCsv"/> (columns in this order).</summary>
    public static string ActivationCsvHeader => "validation,layer,dendrites,activations,mean_abs_activation,saturated_fraction,mean_abs_u,grad_norm,grad_steps";

    private readonly List<GrowthHistoryEntry> _entries = new();

    // Only a scheduler fills a history (Add is internal), so an empty one built by the caller would be useless.
    internal GrowthHistory()
    {
    }

    /// <summary>The rows so far, oldest first (a read-only view: the scheduler's own rows, not to be changed through a cast).</summary>
    public IReadOnlyList<GrowthHistoryEntry> Entries => _entries.AsReadOnly();

    /// <summary>The history as CSV text (invariant culture, '.' decimals, empty cells for missing values).</summary>
    /// <returns>Header line plus one line per validation.</returns>
    public string ToCsv()
    {
        var text = new StringBuilder();
        text.Append(CsvHeader).Append('\n');
        foreach (var e in _entries)
        {
            text.Append(e.Validation.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Number(e.Score)).Append(',')
                .Append(Number(e.SmoothedScore)).Append(',')
                .Append(Number(e.BestScore)).Append(',')
                .Append(e.Phase).Append(',')
                .Append(e.Action).Append(',')
                .Append(e.Reason).Append(',')
                .Append(e.LearningRate is { } lr ? Number(lr) : string.Empty).Append(',')
                .Append(e.DendriteCount.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(e.ParameterCount.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(e.EpochSeconds is { } s ? Number(s) : string.Empty).Append(',')
                .Append(ActivationSummary(e.Activations)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// The activation statistics as CSV text: one line per validation and wrapped layer, for the validations that
    /// had an <see cref="ActivationMonitor"/> on (see <see cref="LayerActivationStats"/> for each value).
    /// </summary>
    /// <returns>Header line plus the rows; empty cells for values that had nothing to measure.</returns>
    public string ToActivationCsv()
    {
        var text = new StringBuilder();
        text.Append(ActivationCsvHeader).Append('\n');
        foreach (var e in _entries)
        {
            foreach (var a in e.Activations ?? Array.Empty<LayerActivationStats>())
            {
                text.Append(e.Validation.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(Quote(a.Layer)).Append(',')
                    .Append(a.DendriteCount.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(a.Activations.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(Optional(a.MeanAbsActivation)).Append(',')
                    .Append(Optional(a.SaturatedFraction)).Append(',')
                    .Append(Optional(a.MeanAbsOutputScale)).Append(',')
                    .Append(Optional(a.GradientNorm)).Append(',')
                    .Append(a.GradientSteps.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// Writes <see cref="ToCsv"/> to <paramref name="path"/> (UTF-8, replacing the file atomically: a reader, or a run
    /// stopped while writing, sees the old file or the new one, never part of one).
    /// </summary>
    /// <param name="path">File to write.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable.</exception>
    public void WriteCsv(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        WriteText(path, "growth history", ToCsv());
    }

    /// <summary>
    /// The history as a standalone SVG chart: the score curve (raw and smoothed) with growth points marked, the
    /// parameter count, and the learning rate, one panel each, sharing the validation axis.
    /// </summary>
    /// <param name="title">Chart title. Default "Dendrite growth".</param>
    /// <returns>SVG document text.</returns>
    public string ToSvg(string title = "Dendrite growth") => GrowthSvgChart.Render(_entries, title);

    /// <summary>Writes <see cref="ToSvg"/> to <paramref name="path"/> (UTF-8, replacing the file atomically, as <see cref="WriteCsv"/>).</summary>
    /// <param name="path">File to write, normally with the .svg extension.</param>
    /// <param name="title">Chart title. Default "Dendrite growth".</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable.</exception>
    public void WriteSvg(string path, string title = "Dendrite growth")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        WriteText(path, "growth chart", ToSvg(title));
    }

    private static void WriteText(string path, string what, string text) =>
        AtomicFileWriter.WriteAllBytes(path, what, new UTF8Encoding(false).GetBytes(text));

    internal void Add(GrowthHistoryEntry entry) => _entries.Add(entry);

    internal void Load(IEnumerable<GrowthHistoryEntry> entries)
    {
        _entries.Clear();
        _entries.AddRange(entries);
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Optional(double? value) => value is { } v ? Number(v) : string.Empty;

    private static string Quote(string text) => text.Contains(',', StringComparison.Ordinal) || text.Contains('"', StringComparison.Ordinal)
        ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
        : text;

    /// <summary>The four summary cells of a history row (see <see cref="CsvHeader"/>).</summary>
    private static string ActivationSummary(IReadOnlyList<LayerActivationStats>? layers)
    {
        if (layers is null || layers.Count == 0)
        {
            return ",,,";
        }

        var seen = layers.Where(l => l.MeanAbsActivation is not null).ToList();
        var count = seen.Sum(l => l.Activations);
        var saturated = seen.Count == 0 ? null : seen.Max(l => l.SaturatedFraction);
        double? meanAbs = count == 0 ? null : seen.Sum(l => l.MeanAbsActivation!.Value * l.Activations) / count;
        var scales = layers.Where(l => l.MeanAbsOutputScale is not null).Select(l => l.MeanAbsOutputScale!.Value).ToList();
        var norms = layers.Where(l => l.GradientNorm is not null).Select(l => l.GradientNorm!.Value).ToList();
        return string.Join(',', Optional(saturated), Optional(meanAbs), Optional(scales.Count == 0 ? null : scales.Average()), Optional(norms.Count == 0 ? null : Math.Sqrt(norms.Sum(n => n * n))));
    }
}
