using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security;
using System.Text;

namespace Dendritic;

/// <summary>
/// Draws the growth history as plain SVG text: three stacked panels sharing the validation axis (score with growth
/// points, parameter count, learning rate). No plotting package, so the core keeps its two dependencies.
/// </summary>
internal static class GrowthSvgChart
{
    private const double Width = 800;
    private const double PanelHeight = 180;
    private const double Left = 90;
    private const double Right = 20;
    private const double Top = 40;
    private const double Gap = 40;

    public static string Render(IReadOnlyList<GrowthHistoryEntry> entries, string title)
    {
        var height = Top + (3 * (PanelHeight + Gap));
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        svg.Append(Invariant($"<rect width=\"{Width}\" height=\"{height}\" fill=\"white\"/>\n"));
        svg.Append(Invariant($"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">{SecurityElement.Escape(title)}</text>\n"));
        if (entries.Count == 0)
        {
            svg.Append(Invariant($"<text x=\"{Width / 2}\" y=\"{height / 2}\" text-anchor=\"middle\">No validations yet</text>\n</svg>\n"));
            return svg.ToString();
        }

        var x = entries.Select(e => (double)e.Validation).ToList();
        var growth = entries.Where(e => e.Action == GrowthAction.DendritesAdded).Select(e => (double)e.Validation).ToList();
        var panels = new (string Label, IReadOnlyList<double?> Values, IReadOnlyList<double?>? Second, string Color)[]
        {
            ("Validation score", entries.Select(e => (double?)e.Score).ToList(), entries.Select(e => (double?)e.SmoothedScore).ToList(), "#1f77b4"),
            ("Parameters", entries.Select(e => (double?)e.ParameterCount).ToList(), null, "#2ca02c"),
            ("Learning rate", entries.Select(e => e.LearningRate).ToList(), null, "#d62728"),
        };

        for (var i = 0; i < panels.Length; i++)
        {
            var top = Top + (i * (PanelHeight + Gap));
            Panel(svg, top, x, panels[i].Label, panels[i].Values, panels[i].Second, panels[i].Color, growth);
        }

        svg.Append(Invariant($"<text x=\"{Left + ((Width - Left - Right) / 2)}\" y=\"{height - 8}\" text-anchor=\"middle\">Validation (dashed lines: dendrites added)</text>\n"));
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Panel(StringBuilder svg, double top, List<double> x, string label, IReadOnlyList<double?> values, IReadOnlyList<double?>? second, string color, List<double> growth)
    {
        var plotWidth = Width - Left - Right;
        svg.Append(Invariant($"<rect x=\"{Left}\" y=\"{top}\" width=\"{plotWidth}\" height=\"{PanelHeight}\" fill=\"none\" stroke=\"#888\"/>\n"));
        svg.Append(Invariant($"<text x=\"{Left}\" y=\"{top - 6}\">{label}</text>\n"));
        var present = values.Concat(second ?? Array.Empty<double?>()).OfType<double>().ToList();
        if (present.Count == 0)
        {
            svg.Append(Invariant($"<text x=\"{Left + (plotWidth / 2)}\" y=\"{top + (PanelHeight / 2)}\" text-anchor=\"middle\" fill=\"#888\">not reported</text>\n"));
            return;
        }

        var (xMin, xMax) = (x.Min(), Math.Max(x.Max(), x.Min() + 1));
        var (yMin, yMax) = FlatPadded(present.Min(), present.Max());

        double Px(double v) => Left + ((v - xMin) / (xMax - xMin) * plotWidth);
        double Py(double v) => top + PanelHeight - ((v - yMin) / (yMax - yMin) * PanelHeight);

        foreach (var g in growth)
        {
            svg.Append(Invariant($"<line x1=\"{Px(g):F1}\" y1=\"{top}\" x2=\"{Px(g):F1}\" y2=\"{top + PanelHeight}\" stroke=\"#ff7f0e\" stroke-dasharray=\"4 3\"/>\n"));
        }

        svg.Append(Invariant($"<text x=\"{Left - 6}\" y=\"{top + 10}\" text-anchor=\"end\">{Label(yMax)}</text>\n"));
        svg.Append(Invariant($"<text x=\"{Left - 6}\" y=\"{top + PanelHeight}\" text-anchor=\"end\">{Label(yMin)}</text>\n"));
        svg.Append(Invariant($"<text x=\"{Left}\" y=\"{top + PanelHeight + 14}\" text-anchor=\"middle\">{Label(xMin)}</text>\n"));
        svg.Append(Invariant($"<text x=\"{Left + plotWidth}\" y=\"{top + PanelHeight + 14}\" text-anchor=\"middle\">{Label(xMax)}</text>\n"));
        Polyline(svg, x, values, Px, Py, color, 1.5, second is null ? null : "0.45");
        if (second is not null)
        {
            Polyline(svg, x, second, Px, Py, color, 2, null);
            for (var i = 0; i < x.Count; i++)
            {
                if (growth.Contains(x[i]) && second[i] is { } v)
                {
                    svg.Append(Invariant($"<circle cx=\"{Px(x[i]):F1}\" cy=\"{Py(v):F1}\" r=\"4\" fill=\"#ff7f0e\"/>\n"));
                }
            }
        }
    }

    /// <summary>
    /// The y range of a panel: the data's own, or for a flat series the value ± 10 % of it (± 1 for zero), since a
    /// fixed ± 0.5 drew a learning rate of 0.01 from -0.49 to 0.51. A series with no negative value never gets a
    /// negative axis (rates and counts cannot be).
    /// </summary>
    internal static (double Min, double Max) FlatPadded(double min, double max)
    {
        if (max - min >= 1e-12 * Math.Max(1, Math.Abs(max)))
        {
            return (min, max);
        }

        var pad = max == 0 ? 1 : 0.1 * Math.Abs(max);
        return (min >= 0 ? Math.Max(0, min - pad) : min - pad, max + pad);
    }

    private static void Polyline(StringBuilder svg, List<double> x, IReadOnlyList<double?> values, Func<double, double> px, Func<double, double> py, string color, double width, string? opacity)
    {
        var points = string.Join(' ', Enumerable.Range(0, x.Count).Where(i => values[i] is not null).Select(i => Invariant($"{px(x[i]):F1},{py(values[i]!.Value):F1}")));
        var fade = opacity is null ? string.Empty : $" stroke-opacity=\"{opacity}\"";
        svg.Append(Invariant($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"{width}\"{fade} points=\"{points}\"/>\n"));
    }

    private static string Label(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
