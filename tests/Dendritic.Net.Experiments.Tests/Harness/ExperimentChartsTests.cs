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
}
