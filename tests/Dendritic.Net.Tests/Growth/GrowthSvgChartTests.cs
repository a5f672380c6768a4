using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Growth;

/// <summary>The axes of the history chart (<see cref="GrowthHistory.ToSvg"/>).</summary>
[TestFixture]
public sealed class GrowthSvgChartTests
{
    [Test]
    public void ToSvg_ConstantLearningRate_PadsTheAxisRelativeToTheValueAndNeverBelowZero()
    {
        var scheduler = new GrowthScheduler(new FakeGrowthModel(), new GrowthOptions { Patience = 50 }, null);
        scheduler.Step(0.5, 0.01);
        scheduler.Step(0.5, 0.01);
        scheduler.Step(0.5, 0.01);

        var (scoreMax, scoreMin, parametersMax, parametersMin, rateMax, rateMin) = AxisLabels(scheduler.History.ToSvg());

        (rateMin, rateMax).Should().Be((0.009, 0.011), "a flat 0.01 once got an axis from -0.49 to 0.51, a negative learning rate");
        (scoreMin, scoreMax).Should().Be((0.45, 0.55));
        (parametersMin, parametersMax).Should().Be((90, 110));
    }

    [Test]
    public void ToSvg_FlatZeroAndFlatNegativeSeries_GetAnAxisAroundTheValue()
    {
        var zero = new GrowthScheduler(new FakeGrowthModel(), new GrowthOptions { Patience = 50 }, null);
        zero.Step(0, 0);
        zero.Step(0, 0);
        var negative = new GrowthScheduler(new FakeGrowthModel(), new GrowthOptions { Patience = 50 }, null);
        negative.Step(-2, 0.1);
        negative.Step(-2, 0.1);

        var (zeroScoreMax, zeroScoreMin, _, _, zeroRateMax, zeroRateMin) = AxisLabels(zero.History.ToSvg());
        var (negativeMax, negativeMin, _, _, _, _) = AxisLabels(negative.History.ToSvg());

        (zeroRateMin, zeroRateMax).Should().Be((0, 1), "zero has no scale of its own, and a rate is never negative");
        (zeroScoreMin, zeroScoreMax).Should().Be((0, 1));
        (negativeMin, negativeMax).Should().Be((-2.2, -1.8), "a negative series is padded on both sides");
    }

    // The y-axis labels, top then bottom, of the three panels: score, parameters, learning rate.
    private static (double, double, double, double, double, double) AxisLabels(string svg)
    {
        var labels = Regex.Matches(svg, "text-anchor=\"end\">([^<]+)</text>")
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .ToList();
        labels.Should().HaveCount(6);
        return (labels[0], labels[1], labels[2], labels[3], labels[4], labels[5]);
    }
}
