using System.Collections.Generic;
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

    [Test]
    public void Mean_SeedsOfDifferentLengths_AveragesEachEpochOverTheSeedsThatReachedIt()
    {
        // The dendritic arm stops growth at a different epoch per seed: the mean was cut at the shortest seed.
        var runs = new[] { Run(ArmKind.Dendritic, 1, 0.5, 0.6, 0.7), Run(ArmKind.Dendritic, 2, 0.7, 0.8, 0.9, 0.95, 0.97) };

        var curve = CurveSeries.Mean(runs, 100);

        curve.Select(p => p.Epoch).Should().Equal(1, 2, 3, 4, 5);
        curve.Select(p => p.Seeds).Should().Equal(2, 2, 2, 1, 1);
        curve.Select(p => p.Mean).Should().Equal(new[] { 60.0, 70.0, 80.0, 95.0, 97.0 }, (a, b) => System.Math.Abs(a - b) < 1e-9);
    }

    [Test]
    public void Mean_RunListsAnEpochTwice_CountsTheRunOnceWithItsLastEntry()
    {
        // A report built in code (FromJson refuses such a file): seed 1 lists epoch 2 twice. Counting entries gave epoch 2
        // three seeds of two.
        var twice = Run(ArmKind.Dendritic, 1, 0.5, 0.6, 0.7);
        twice = twice with { Curve = twice.Curve.Take(2).Append(twice.Curve[1] with { ValidationMetric = 0.65 }).Concat(twice.Curve.Skip(2)).ToList() };
        var runs = new[] { twice, Run(ArmKind.Dendritic, 2, 0.7, 0.8, 0.9) };

        var curve = CurveSeries.Mean(runs, 100);

        curve.Select(p => p.Epoch).Should().Equal(1, 2, 3);
        curve.Select(p => p.Seeds).Should().Equal(new[] { 2, 2, 2 }, "a run is one seed, however often it lists an epoch");
        curve.Select(p => p.Mean).Should().Equal(new[] { 60.0, 72.5, 80.0 }, (a, b) => System.Math.Abs(a - b) < 1e-9, "epoch 2 takes seed 1's last entry, 0.65");
    }

    [Test]
    public void Curves_RunListsAnEpochTwice_DrawsEverySeedSolid()
    {
        // FewerSeedsLabel indexed an empty list (ArgumentOutOfRangeException) when an epoch counted more seeds than runs.
        var report = HandMadeReport.For(1, 2);
        report = report with
        {
            Runs = report.Runs.Select(r => r.Arm == ArmKind.Dendritic && r.Seed == 1 ? r with { Curve = r.Curve.Append(r.Curve[1]).ToList() } : r).ToList(),
        };
        using var plot = ExperimentCharts.Curves(report);
        plot.GetImageBytes(900, 600, ImageFormat.Png);

        var lines = plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Where(s => s.LineWidth > 0).ToDictionary(s => s.LegendText);

        lines[ReportWriter.Label(ArmKind.Dendritic)].Data.GetScatterPoints().Select(p => p.X).Should().Equal(1, 2, 3);
        lines.Keys.Should().NotContain(k => k.StartsWith(ReportWriter.Label(ArmKind.Dendritic) + ",", System.StringComparison.Ordinal), "both seeds trained every epoch");
    }

    [Test]
    public void Curves_RunListsAGrowthEpochTwice_MarksItOnceOnTheLine()
    {
        // A report built in code lists seed 1's growth epoch (2) twice. The line takes the epoch's last record; the marks
        // read every record and drew two at epoch 2, one of them off the line.
        var report = HandMadeReport.For(1);
        report = report with
        {
            Runs = report.Runs.Select(r => r.Arm == ArmKind.Dendritic ? r with { Curve = r.Curve.Append(r.Curve[1] with { ValidationMetric = r.Curve[1].ValidationMetric + 0.05 }).ToList() } : r).ToList(),
        };
        using var plot = ExperimentCharts.Curves(report);

        var scatters = plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToList();
        var line = scatters.Single(s => s.LegendText == ReportWriter.Label(ArmKind.Dendritic)).Data.GetScatterPoints();
        var marks = scatters.Single(s => s.LegendText == "growth step (one seed)").Data.GetScatterPoints();

        marks.Should().ContainSingle().Which.X.Should().Be(2);
        marks[0].Y.Should().BeApproximately(line.Single(p => p.X == 2).Y, 1e-9, "the mark stands on the line's point for that epoch");
    }

    [Test]
    public void Split_SeedsDropOut_SolidPartHasEverySeedAndTheRestJoinsAtItsLastEpoch()
    {
        var curve = new CurveSeries.Point[] { new(1, 60, 3), new(2, 70, 3), new(3, 75, 2), new(4, 80, 1) };

        var (all, fewer) = CurveSeries.Split(curve, 3);

        all.Select(p => p.Epoch).Should().Equal(1, 2);
        fewer.Select(p => p.Epoch).Should().Equal(new[] { 2, 3, 4 }, "the dotted line starts where the solid one ends, so the two join");
    }

    [Test]
    public void Split_EverySeedEveryEpoch_NothingIsFewer()
    {
        var curve = new CurveSeries.Point[] { new(1, 60, 2), new(2, 70, 2) };

        var (all, fewer) = CurveSeries.Split(curve, 2);

        all.Should().Equal(curve);
        fewer.Should().BeEmpty();
    }

    [Test]
    public void Split_NotEverySeedAtTheFirstEpoch_AllOfItIsFewer()
    {
        // A seed without a single epoch (a hand-edited report): no epoch had every seed, so nothing is drawn solid.
        var curve = new CurveSeries.Point[] { new(1, 60, 1), new(2, 70, 1) };

        var (all, fewer) = CurveSeries.Split(curve, 2);

        all.Should().BeEmpty();
        fewer.Should().Equal(curve);
    }

    [Test]
    public void Curves_DendriticSeedsStopAtDifferentEpochs_LaterEpochsAreDrawnDottedAndLabelledWithTheirSeeds()
    {
        var report = HandMadeReport.For(1, 2, 3);
        var longer = new Dictionary<int, int> { [1] = 3, [2] = 5, [3] = 6 };
        report = report with { Runs = report.Runs.Select(r => r.Arm == ArmKind.Dendritic ? Extend(r, longer[r.Seed]) : r).ToList() };
        using var plot = ExperimentCharts.Curves(report);
        plot.GetImageBytes(900, 600, ImageFormat.Png);

        var lines = plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Where(s => s.LineWidth > 0).ToDictionary(s => s.LegendText);
        var dendritic = ReportWriter.Label(ArmKind.Dendritic);
        var solid = lines[dendritic];
        var dotted = lines[dendritic + ", epochs 4-6: 2 to 1 of 3 seeds"];

        solid.Data.GetScatterPoints().Select(p => p.X).Should().Equal(1, 2, 3);
        solid.LinePattern.Should().Be(LinePattern.Solid);
        dotted.Data.GetScatterPoints().Select(p => p.X).Should().Equal(new[] { 3.0, 4, 5, 6 }, "every epoch any seed trained is drawn");
        dotted.LinePattern.Should().Be(LinePattern.Dotted);
        dotted.Color.Should().Be(solid.Color);
        lines.Keys.Should().NotContain(k => k.StartsWith(ReportWriter.Label(ArmKind.Baseline) + ",", System.StringComparison.Ordinal), "every baseline seed trained every epoch");
    }

    private static RunResult Run(ArmKind arm, int seed, params double[] validation) => HandMadeReport.For(seed).Runs.First(r => r.Arm == arm) with
    {
        Curve = validation.Select((v, i) => new EpochRecord { Epoch = i + 1, TrainLoss = 0.5, ValidationMetric = v, TestMetric = v, Parameters = 100 }).ToList(),
    };

    private static RunResult Extend(RunResult run, int epochs) => run with
    {
        Epochs = epochs,
        Curve = run.Curve.Concat(Enumerable.Range(run.Curve.Count + 1, epochs - run.Curve.Count)
            .Select(e => run.Curve[^1] with { Epoch = e, Growth = null, ValidationMetric = run.Curve[^1].ValidationMetric + (0.001 * e) })).ToList(),
    };
}
