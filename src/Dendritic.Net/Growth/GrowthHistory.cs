using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace Dendritic;

/// <summary>
/// Every validation the scheduler saw, in order, with CSV and SVG output. The chart is hand-written SVG so the core
/// package needs no plotting dependency; it renders in any browser on any OS.
/// </summary>
public sealed class GrowthHistory
{
    /// <summary>The CSV header line (columns in this order).</summary>
    public const string CsvHeader = "validation,score,smoothed_score,best_score,phase,action,reason,learning_rate,dendrites,parameters,epoch_seconds";

    private readonly List<GrowthHistoryEntry> _entries = new();

    /// <summary>The rows so far, oldest first.</summary>
    public IReadOnlyList<GrowthHistoryEntry> Entries => _entries;

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
                .Append(e.EpochSeconds is { } s ? Number(s) : string.Empty).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Writes <see cref="ToCsv"/> to <paramref name="path"/> (UTF-8, overwriting).</summary>
    /// <param name="path">File to write.</param>
    public void WriteCsv(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        File.WriteAllText(path, ToCsv(), new UTF8Encoding(false));
    }

    /// <summary>
    /// The history as a standalone SVG chart: the score curve (raw and smoothed) with growth points marked, the
    /// parameter count, and the learning rate, one panel each, sharing the validation axis.
    /// </summary>
    /// <param name="title">Chart title. Default "Dendrite growth".</param>
    /// <returns>SVG document text.</returns>
    public string ToSvg(string title = "Dendrite growth") => GrowthSvgChart.Render(_entries, title);

    /// <summary>Writes <see cref="ToSvg"/> to <paramref name="path"/> (UTF-8, overwriting).</summary>
    /// <param name="path">File to write, normally with the .svg extension.</param>
    /// <param name="title">Chart title. Default "Dendrite growth".</param>
    public void WriteSvg(string path, string title = "Dendrite growth")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        File.WriteAllText(path, ToSvg(title), new UTF8Encoding(false));
    }

    internal void Add(GrowthHistoryEntry entry) => _entries.Add(entry);

    internal void Load(IEnumerable<GrowthHistoryEntry> entries)
    {
        _entries.Clear();
        _entries.AddRange(entries);
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
