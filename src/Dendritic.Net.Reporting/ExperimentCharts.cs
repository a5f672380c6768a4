using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Dendritic.Experiments;
using ScottPlot;

namespace Dendritic.Reporting;

/// <summary>
/// Draws an <see cref="ExperimentReport"/> as PNG charts: the test metric against parameters and against FLOPs per
/// sample (one point per arm and seed, a larger one for each arm's mean), and the validation curves of every arm
/// (each epoch's mean over the seeds that trained it, dotted from where fewer than all of them did, the legend naming
/// those epochs and how many seeds; train-as-long dashed, as it coincides with the baseline for the baseline's epochs)
/// with the dendritic arm's growth steps marked per seed. Text is drawn with DejaVu Sans, embedded
/// in this package, so charts look the same on machines without system fonts.
/// </summary>
public static class ExperimentCharts
{
    // By ArmKind: baseline blue, dendritic orange, capacity-matched green, train-as-long red (not purple, which beside
    // the baseline's blue at the same width was hard to tell apart).
    private static readonly Color[] Palette =
    {
        Color.FromHex("#4C72B0"), Color.FromHex("#DD8452"), Color.FromHex("#55A868"), Color.FromHex("#C44E52"),
    };

    /// <summary>
    /// Writes <c>metric-vs-parameters.png</c>, <c>metric-vs-flops.png</c> and <c>training-curves.png</c>, each atomically
    /// (a temporary file renamed over it). Numbers on the axes use the invariant culture, whatever the current one.
    /// </summary>
    /// <param name="report">The report.</param>
    /// <param name="folder">The output folder (created when missing).</param>
    /// <param name="width">Image width in pixels. Default 900.</param>
    /// <param name="height">Image height in pixels. Default 600.</param>
    /// <returns>The paths written.</returns>
    /// <exception cref="IOException">A file cannot be written, or <paramref name="folder"/> is a file.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder may not be written.</exception>
    public static IReadOnlyList<string> WriteAll(ExperimentReport report, string folder, int width = 900, int height = 600)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 100);
        ReportFolder.Create(folder);
        var paths = new List<string>
        {
            Save(MetricAgainst(report, r => r.Parameters, "Parameters"), Path.Combine(folder, "metric-vs-parameters.png"), width, height),
            Save(MetricAgainst(report, r => r.FlopsPerSample, "FLOPs per sample"), Path.Combine(folder, "metric-vs-flops.png"), width, height),
            Save(Curves(report), Path.Combine(folder, "training-curves.png"), width, height),
        };
        return paths;
    }

    private static string Save(Plot plot, string path, int width, int height)
    {
        byte[] png;
        using (plot)
        {
            ChartFont.Apply(plot);

            // ScottPlot formats tick labels with the thread's current culture (90,5 and 17.885 under de-DE); every other
            // output of a report is invariant, and a chart must not change with the machine's language either.
            png = InvariantCulture.Run(() => plot.GetImageBytes(width, height, ImageFormat.Png));
        }

        // As the report's data files: a run killed while writing leaves the old chart or the new one, never half a PNG.
        AtomicFileWriter.WriteAllBytes(path, "chart", png);
        return path;
    }

    private static double Scale(ExperimentReport report) =>
        report.MetricName.Equals("accuracy", StringComparison.OrdinalIgnoreCase) ? 100 : 1;

    private static string MetricLabel(ExperimentReport report) =>
        "Test " + report.MetricName + (Scale(report) == 100 ? " (%)" : string.Empty);

    private static Plot MetricAgainst(ExperimentReport report, Func<RunResult, double> x, string xLabel)
    {
        var plot = new Plot();
        var scale = Scale(report);
        foreach (var group in report.Runs.GroupBy(r => r.Arm).OrderBy(g => g.Key))
        {
            var color = Palette[(int)group.Key % Palette.Length];
            var xs = group.Select(x).ToArray();
            var ys = group.Select(r => r.TestMetric * scale).ToArray();
            var seeds = plot.Add.Scatter(xs, ys, color);
            seeds.LineWidth = 0;
            seeds.MarkerSize = 6;
            var mean = plot.Add.Scatter(new[] { xs.Average() }, new[] { ys.Average() }, color);
            mean.LineWidth = 0;
            mean.MarkerSize = 14;
            mean.MarkerShape = MarkerShape.OpenCircle;
            mean.LegendText = ReportWriter.Label(group.Key) + " (mean; dots: seeds)";
        }

        plot.Title(MetricLabel(report) + " against " + xLabel.ToLowerInvariant());
        plot.XLabel(xLabel);
        plot.YLabel(MetricLabel(report));
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    internal static Plot Curves(ExperimentReport report)
    {
        var plot = new Plot();
        var scale = Scale(report);
        foreach (var group in report.Runs.GroupBy(r => r.Arm).OrderBy(g => g.Key))
        {
            // Each epoch's mean is over the seeds that reached it, so the longer seeds' later epochs are shown; where
            // fewer than all seeds remain the line goes on dotted (the mean may jump as a seed drops out), with the
            // epochs and seed counts in the legend.
            var color = Palette[(int)group.Key % Palette.Length];
            var seeds = group.Count();
            var (allSeeds, fewerSeeds) = CurveSeries.Split(CurveSeries.Mean(group, scale), seeds);
            var label = ReportWriter.Label(group.Key);
            if (allSeeds.Count > 0)
            {
                Style(plot.Add.Scatter(Xs(allSeeds), Ys(allSeeds), color), group.Key, label);
            }

            if (fewerSeeds.Count > 0)
            {
                var tail = Style(plot.Add.Scatter(Xs(fewerSeeds), Ys(fewerSeeds), color), group.Key, FewerSeedsLabel(label, fewerSeeds, seeds));
                tail.LinePattern = LinePattern.Dotted;
            }
        }

        // Growth steps: one mark per seed at the epoch after which it changed the architecture, at that seed's score,
        // read from the records the lines are drawn from.
        var steps = report.Runs.Where(r => r.Arm == ArmKind.Dendritic).SelectMany(r => CurveSeries.Epochs(r.Curve).Where(c => c.Growth is not null)).ToList();
        if (steps.Count > 0)
        {
            var marks = plot.Add.Scatter(steps.Select(c => (double)c.Epoch).ToArray(), steps.Select(c => c.ValidationMetric * scale).ToArray(), Palette[(int)ArmKind.Dendritic]);
            marks.LineWidth = 0;
            marks.MarkerSize = 9;
            marks.MarkerShape = MarkerShape.OpenTriangleUp;
            marks.LegendText = "growth step (one seed)";
        }

        plot.Title("Validation " + report.MetricName + " per epoch (mean over the seeds that trained it)");
        plot.XLabel("Epoch");

        // Epochs are whole: on a short run ScottPlot's automatic ticks labelled 1.2, 1.4, ..., between the points.
        plot.Axes.Bottom.TickGenerator = WholeNumberMinorTicks.Axis();
        plot.YLabel("Validation " + report.MetricName + (scale == 100 ? " (%)" : string.Empty));
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    private static double[] Xs(IReadOnlyList<CurveSeries.Point> points) => points.Select(p => (double)p.Epoch).ToArray();

    private static double[] Ys(IReadOnlyList<CurveSeries.Point> points) => points.Select(p => p.Mean).ToArray();

    private static ScottPlot.Plottables.Scatter Style(ScottPlot.Plottables.Scatter line, ArmKind arm, string legend)
    {
        line.LineWidth = 2;
        line.MarkerSize = 4;
        line.LegendText = legend;
        if (arm == ArmKind.TrainAsLong)
        {
            // It trains as the baseline does until the baseline stops, so there the two lines coincide: drawn over
            // the baseline dashed and with open markers, it lets the baseline show through instead of hiding it.
            // Longer dashes than ScottPlot's Dashed (10, 10), which were hard to make out over the baseline's line.
            line.LinePattern = new LinePattern([16f, 10f], 0, "long dashes");
            line.MarkerShape = MarkerShape.OpenCircle;
            line.MarkerSize = 7;
        }

        return line;
    }

    // "Dendritic, epochs 7-9: 3 to 1 of 5 seeds": the tail's first point is the last all-seeds epoch (where the lines
    // join) unless no epoch had every seed, so the epochs named are those with fewer. A tail without such an epoch is
    // not one CurveSeries makes (it counts each run once per epoch, so after the first drop some epoch has fewer seeds
    // than the arm's runs), but a label is no place to throw: it is then the arm's name alone.
    private static string FewerSeedsLabel(string arm, IReadOnlyList<CurveSeries.Point> tail, int seeds)
    {
        var fewer = tail.Where(p => p.Seeds < seeds).ToList();
        if (fewer.Count == 0)
        {
            return arm;
        }

        var first = fewer[0].Epoch;
        var last = fewer[^1].Epoch;
        var most = fewer.Max(p => p.Seeds);
        var least = fewer.Min(p => p.Seeds);
        var epochs = first == last
            ? string.Create(CultureInfo.InvariantCulture, $"epoch {first}")
            : string.Create(CultureInfo.InvariantCulture, $"epochs {first}-{last}");
        var count = most == least
            ? string.Create(CultureInfo.InvariantCulture, $"{most}")
            : string.Create(CultureInfo.InvariantCulture, $"{most} to {least}");
        return string.Create(CultureInfo.InvariantCulture, $"{arm}, {epochs}: {count} of {seeds} seeds");
    }
}
