using System.Linq;
using Dendritic.Experiments.Tests.Support;
using Dendritic.Reporting;
using FluentAssertions;
using NUnit.Framework;
using ScottPlot;

namespace Dendritic.Experiments.Tests.Harness;

/// <summary>What the charts show, read from the plot rather than from its pixels.</summary>
[TestFixture]
public sealed class ExperimentChartsTests
{
    [Test]
    public void Curves_ThreeEpochs_TicksFallOnWholeEpochs()
    {
        // Three epochs over 900 pixels: ScottPlot's automatic ticks were 1, 1.2, 1.4, ... 3.
        using var plot = ExperimentCharts.Curves(HandMadeReport.For(1, 2));
        plot.GetImageBytes(900, 600, ImageFormat.Png);

        var ticks = plot.Axes.Bottom.TickGenerator.Ticks;

        ticks.Should().OnlyContain(t => WholeNumberMinorTicks.IsWhole(t.Position), "an epoch is a whole number");
        ticks.Where(t => t.IsMajor).Select(t => t.Position).Should().Contain(new[] { 1.0, 2.0, 3.0 }, "every epoch of a short run is labelled");
    }

    [Test]
    public void Curves_TrainAsLongIdenticalToBaseline_DrawsItDashedSoTheBaselineShows()
    {
        // Train-as-long is the baseline trained on: for the baseline's epochs their curves are the same points.
        var report = HandMadeReport.For(1, 2);
        report = report with { Runs = report.Runs.Concat(report.Runs.Where(r => r.Arm == ArmKind.Baseline).Select(r => r with { Arm = ArmKind.TrainAsLong })).ToList() };
        using var plot = ExperimentCharts.Curves(report);
        plot.GetImageBytes(900, 600, ImageFormat.Png);

        var lines = plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToDictionary(s => s.LegendText);
        var baseline = lines[ReportWriter.Label(ArmKind.Baseline)];
        var trainAsLong = lines[ReportWriter.Label(ArmKind.TrainAsLong)];

        trainAsLong.Data.GetScatterPoints().Should().Equal(baseline.Data.GetScatterPoints(), "the case the dashes are for");
        trainAsLong.LinePattern.Should().NotBe(LinePattern.Solid);
        trainAsLong.LinePattern.Intervals.Should().NotBeEmpty("a dashed line has dashes and gaps, through which the baseline shows");
        trainAsLong.MarkerShape.Should().Be(MarkerShape.OpenCircle);
        baseline.LinePattern.Should().Be(LinePattern.Solid);
        lines[ReportWriter.Label(ArmKind.Dendritic)].LinePattern.Should().Be(LinePattern.Solid);
    }
}
