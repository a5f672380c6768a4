using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace Dendritic.Benchmarks;

/// <summary>
/// The "chart" mode: ratio (decorated time over plain time) against dendrite count, one panel per suite and
/// device, with the (1 + D) physical limit and the 1.05 (1 + D) goal drawn in. Plain SVG written by hand, so the
/// docs need no plotting package.
/// </summary>
internal static class RatioChart
{
    private const int PanelWidth = 300;
    private const int PanelHeight = 240;
    private const int Margin = 48;
    private static readonly string[] Palette =
    {
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
    };

    /// <summary>Writes the chart of the given CSV reports to <paramref name="output"/>.</summary>
    public static int Write(string output, IEnumerable<string> csvPaths)
    {
        var rows = ResultTable.Read(csvPaths).Where(r => r.Suite.StartsWith("Layer", StringComparison.Ordinal)).ToList();
        var panels = rows.GroupBy(r => (r.Device, r.Suite)).OrderBy(g => g.Key.Device).ThenBy(g => SuiteOrder(g.Key.Suite)).ToList();
        var series = rows.Select(SeriesName).Distinct().OrderBy(s => s, StringComparer.Ordinal).ToList();
        var columns = Math.Max(1, panels.Select(p => p.Key.Suite).Distinct().Count());
        var panelRows = Math.Max(1, (panels.Count + columns - 1) / columns);
        var legendHeight = 20 * ((series.Count + 2) / 3) + 40;
        var width = columns * (PanelWidth + Margin) + Margin;
        var height = panelRows * (PanelHeight + Margin + 24) + Margin + legendHeight;
        var maxD = Math.Max(4, rows.Count == 0 ? 4 : rows.Max(r => r.Dendrites));
        var maxY = Math.Ceiling(Math.Max(1.05 * (1 + maxD), rows.Count == 0 ? 0 : rows.Max(r => r.Ratio)) + 0.5);

        var svg = new StringBuilder();
        svg.Append(FormattableString.Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">\n"));
        svg.Append(FormattableString.Invariant($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n"));
        svg.Append(FormattableString.Invariant($"<text x=\"{width / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">DendriteLayer time / plain host time against dendrite count D (solid black: 1+D limit; dashed: 1.05(1+D) goal)</text>\n"));
        for (var p = 0; p < panels.Count; p++)
        {
            var x0 = Margin + (p % columns) * (PanelWidth + Margin);
            var y0 = Margin + 10 + (p / columns) * (PanelHeight + Margin + 24);
            DrawPanel(svg, panels[p].Key.Device + " - " + panels[p].Key.Suite, panels[p].ToList(), series, x0, y0, maxD, maxY);
        }

        var legendTop = height - legendHeight + 10;
        for (var s = 0; s < series.Count; s++)
        {
            var lx = Margin + (s % 3) * 300;
            var ly = legendTop + (s / 3) * 20;
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
        svg.Append(FormattableString.Invariant($"<line x1=\"{X(0):0.0}\" y1=\"{Y(1.05):0.0}\" x2=\"{X(maxD):0.0}\" y2=\"{Y(1.05 * (1 + maxD)):0.0}\" stroke=\"black\" stroke-dasharray=\"4 3\"/>\n"));
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
