using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace Dendritic.Benchmarks;

/// <summary>
/// The "chart" mode: ratio (decorated time over plain time) against dendrite count, one panel per suite and
/// device, with the (1 + D) physical limit and issue 10's targets drawn in: 1.10 (1 + D) for Linear layers, 1.25
/// (1 + D) for Conv2d. Plain SVG written by hand, so the docs need no plotting package.
/// </summary>
internal static class RatioChart
{
    private const int PanelWidth = 300;
    private const int PanelHeight = 240;
    private const int Margin = 48;
    private const int LegendEntryWidth = 260;
    private const int MinWidth = 640;
    private static readonly string[] Palette =
    {
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
    };

    /// <summary>The targets drawn, as multiples of (1 + D), with the layers they apply to and their dash pattern.</summary>
    private static readonly (double Factor, string Layers, string Dash)[] Targets = { (1.10, "Linear", "4 3"), (1.25, "Conv2d", "1 3") };

    /// <summary>
    /// Writes the chart of the given CSV reports to <paramref name="output"/>. <c>args</c>: the CSV files and,
    /// anywhere among them, optionally <c>--only TEXT</c> (keep the rows whose case, as <c>report</c> prints it,
    /// contains TEXT, e.g. <c>kernel:cuda</c>).
    /// </summary>
    /// <returns>0, or 2 when <c>--only</c> has no text after it.</returns>
    public static int Write(string output, IReadOnlyList<string> args)
    {
        var at = args.ToList().IndexOf("--only");
        if (at >= 0 && at == args.Count - 1)
        {
            Console.Error.WriteLine("chart: --only needs a text after it, e.g. --only kernel:cuda.");
            return 2;
        }

        var only = at >= 0 ? args[at + 1] : null;
        var csvPaths = at >= 0 ? args.Where((_, i) => i != at && i != at + 1).ToList() : args;
        var rows = ResultTable.Read(csvPaths)
            .Where(r => r.Suite.StartsWith("Layer", StringComparison.Ordinal) && (only is null || r.Subject.Contains(only, StringComparison.Ordinal)))
            .ToList();
        var panels = rows.GroupBy(r => (r.Device, r.Suite)).OrderBy(g => g.Key.Device).ThenBy(g => SuiteOrder(g.Key.Suite)).ToList();
        var series = rows.Select(SeriesName).Distinct().OrderBy(s => s, StringComparer.Ordinal).ToList();
        var columns = Math.Max(1, panels.Select(p => p.Key.Suite).Distinct().Count());
        var panelRows = Math.Max(1, (panels.Count + columns - 1) / columns);
        // At least as wide as the subtitle that explains the lines.
        var width = Math.Max(columns * (PanelWidth + Margin) + Margin, MinWidth);
        var legendColumns = Math.Max(1, (width - Margin) / LegendEntryWidth);
        var legendHeight = 20 * ((series.Count + legendColumns - 1) / legendColumns) + 40;
        var height = panelRows * (PanelHeight + Margin + 24) + Margin + legendHeight;
        var maxD = Math.Max(4, rows.Count == 0 ? 4 : rows.Max(r => r.Dendrites));
        var maxY = Math.Ceiling(Math.Max(Targets.Max(t => t.Factor) * (1 + maxD), rows.Count == 0 ? 0 : rows.Max(r => r.Ratio)) + 0.5);

        var svg = new StringBuilder();
        svg.Append(FormattableString.Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">\n"));
        svg.Append(FormattableString.Invariant($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n"));
        svg.Append(FormattableString.Invariant($"<text x=\"{width / 2}\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">DendriteLayer time / plain layer time against dendrite count D</text>\n"));
        svg.Append(FormattableString.Invariant($"<text x=\"{width / 2}\" y=\"33\" text-anchor=\"middle\">solid: the 1 + D limit; dashed: 1.10 (1 + D), the Linear target; dotted: 1.25 (1 + D), the Conv2d target</text>\n"));
        for (var p = 0; p < panels.Count; p++)
        {
            var x0 = Margin + (p % columns) * (PanelWidth + Margin);
            var y0 = Margin + 10 + (p / columns) * (PanelHeight + Margin + 24);
            DrawPanel(svg, panels[p].Key.Device + " - " + panels[p].Key.Suite, panels[p].ToList(), series, x0, y0, maxD, maxY);
        }

        var legendTop = height - legendHeight + 10;
        for (var s = 0; s < series.Count; s++)
        {
            var lx = Margin + (s % legendColumns) * LegendEntryWidth;
            var ly = legendTop + (s / legendColumns) * 20;
            svg.Append(FormattableString.Invariant($"<line x1=\"{lx}\" y1=\"{ly}\" x2=\"{lx + 24}\" y2=\"{ly}\" stroke=\"{Palette[s % Palette.Length]}\" stroke-width=\"2\"/>"));
            svg.Append(FormattableString.Invariant($"<text x=\"{lx + 30}\" y=\"{ly + 4}\">{series[s]}</text>\n"));
        }

        svg.Append("</svg>\n");
        File.WriteAllText(output, svg.ToString());
        Console.WriteLine($"wrote {output}: {panels.Count} panels, {rows.Count} points");
        return 0;
    }

    private static void DrawPanel(StringBuilder svg, string title, List<RatioRow> rows, List<string> series, int x0, int y0, int maxD, double maxY)
    {
        double X(double d) => x0 + d / maxD * PanelWidth;
        double Y(double r) => y0 + PanelHeight - r / maxY * PanelHeight;
        svg.Append(FormattableString.Invariant($"<text x=\"{x0 + PanelWidth / 2}\" y=\"{y0 - 8}\" text-anchor=\"middle\" font-size=\"12\">{title}</text>\n"));
        svg.Append(FormattableString.Invariant($"<rect x=\"{x0}\" y=\"{y0}\" width=\"{PanelWidth}\" height=\"{PanelHeight}\" fill=\"none\" stroke=\"#999\"/>\n"));
        for (var d = 0; d <= maxD; d++)
        {
            svg.Append(FormattableString.Invariant($"<text x=\"{X(d):0.0}\" y=\"{y0 + PanelHeight + 14}\" text-anchor=\"middle\">{d}</text>"));
        }

        for (var r = 0; r <= (int)maxY; r++)
        {
            svg.Append(FormattableString.Invariant($"<line x1=\"{x0}\" y1=\"{Y(r):0.0}\" x2=\"{x0 + PanelWidth}\" y2=\"{Y(r):0.0}\" stroke=\"#eee\"/>"));
            svg.Append(FormattableString.Invariant($"<text x=\"{x0 - 6}\" y=\"{Y(r) + 4:0.0}\" text-anchor=\"end\">{r}</text>\n"));
        }

        svg.Append(FormattableString.Invariant($"<text x=\"{x0 + PanelWidth / 2}\" y=\"{y0 + PanelHeight + 28}\" text-anchor=\"middle\">D (dendrite sets)</text>\n"));
        svg.Append(FormattableString.Invariant($"<line x1=\"{X(0):0.0}\" y1=\"{Y(1):0.0}\" x2=\"{X(maxD):0.0}\" y2=\"{Y(1 + maxD):0.0}\" stroke=\"black\" stroke-width=\"1.5\"/>\n"));
        foreach (var (factor, layers, dash) in Targets)
        {
            svg.Append(FormattableString.Invariant($"<line x1=\"{X(0):0.0}\" y1=\"{Y(factor):0.0}\" x2=\"{X(maxD):0.0}\" y2=\"{Y(factor * (1 + maxD)):0.0}\" stroke=\"black\" stroke-dasharray=\"{dash}\"><title>{factor:0.00} (1 + D), the {layers} target</title></line>\n"));
        }

        foreach (var group in rows.GroupBy(SeriesName))
        {
            var color = Palette[series.IndexOf(group.Key) % Palette.Length];
            var points = new[] { (D: 0, Ratio: 1.0) }.Concat(group.OrderBy(r => r.Dendrites).Select(r => (D: r.Dendrites, r.Ratio))).ToList();
            var path = string.Join(" ", points.Select(pt => FormattableString.Invariant($"{X(pt.D):0.0},{Y(pt.Ratio):0.0}")));
            svg.Append(FormattableString.Invariant($"<polyline points=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\"/>"));
            foreach (var pt in points.Skip(1))
            {
                svg.Append(FormattableString.Invariant($"<circle cx=\"{X(pt.D):0.0}\" cy=\"{Y(pt.Ratio):0.0}\" r=\"2.5\" fill=\"{color}\"><title>{group.Key} D={pt.D}: {pt.Ratio:0.00}x</title></circle>"));
            }

            svg.Append('\n');
        }
    }

    private static string SeriesName(RatioRow row) => $"{row.DType} {row.Subject}";

    private static int SuiteOrder(string suite) => suite switch
    {
        "LayerForward" => 0,
        "LayerTraining" => 1,
        _ => 2,
    };

}
