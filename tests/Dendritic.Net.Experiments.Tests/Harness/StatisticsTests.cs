using System;
using System.Linq;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Harness;

[TestFixture]
public sealed class StatisticsTests
{
    [Test]
    public void Summarize_ThreeValues_GivesMeanSdAndStudentInterval()
    {
        var s = Statistics.Summarize(new[] { 1.0, 2.0, 3.0 });

        s.Mean.Should().Be(2);
        s.StdDev.Should().BeApproximately(1, 1e-12);
        s.Low95.Should().BeApproximately(2 - (4.303 / Math.Sqrt(3)), 1e-9);
        s.High95.Should().BeApproximately(2 + (4.303 / Math.Sqrt(3)), 1e-9);
    }

    [Test]
    public void Summarize_OneValue_HasNoInterval()
    {
        var s = Statistics.Summarize(new[] { 0.5 });

        s.StdDev.Should().Be(0);
        s.Low95.Should().BeNull();
        s.High95.Should().BeNull();
    }

    [Test]
    public void Summarize_NaN_Throws()
    {
        var act = () => Statistics.Summarize(new[] { 1.0, double.NaN });

        act.Should().Throw<ArgumentException>();
    }

    [TestCase(30, 2.042)]
    [TestCase(40, 2.021)]
    [TestCase(120, 1.980)]
    [TestCase(100000, 1.960)]
    public void TQuantile975_KnownValues(int df, double expected) =>
        Statistics.TQuantile975(df).Should().BeApproximately(expected, 0.0015);

    [Test]
    public void Verdict_IntervalSides_MapToWords()
    {
        Comparison.Verdict(new StatSummary { Count = 3, Mean = 1, StdDev = 0.1, Low95 = 0.5, High95 = 1.5 }).Should().Be("better");
        Comparison.Verdict(new StatSummary { Count = 3, Mean = -1, StdDev = 0.1, Low95 = -1.5, High95 = -0.5 }).Should().Be("worse");
        Comparison.Verdict(new StatSummary { Count = 3, Mean = 0.1, StdDev = 0.1, Low95 = -0.5, High95 = 0.7 }).Should().Be("no clear difference");
        Comparison.Verdict(new StatSummary { Count = 1, Mean = 5, StdDev = 0 }).Should().Be("no clear difference");
        Enumerable.Empty<int>().Should().BeEmpty();
    }

    [Test]
    public void Verdict_EverySeedTheSameDifference_IsNoClearDifference()
    {
        // Two seeds each +0.50 points (test accuracy moves in steps of 0.05): the interval has no width because the
        // spread cannot be estimated, and it had read "better" (found in a newcomer's trial of the pilot's CNN).
        var same = Statistics.Summarize(new[] { 0.005, 0.005 });

        same.Low95.Should().Be(0.005);
        Comparison.Verdict(same).Should().Be("no clear difference");
    }

    [Test]
    public void Verdict_TheSameDifferenceFromTwoSubtractions_IsNoClearDifference()
    {
        // 0.755 - 0.75 and 0.813 - 0.808 are both +0.50 points but differ in their last bits: a spread of 8e-17 had still
        // read "better" (found in review).
        var same = Statistics.Summarize(new[] { 0.755 - 0.75, 0.813 - 0.808 });

        same.StdDev.Should().BeGreaterThan(0);
        Comparison.Verdict(same).Should().Be("no clear difference");
        Comparison.Verdict(Statistics.Summarize(new[] { 0.755 - 0.75, 0.813 - 0.807 })).Should().Be("no clear difference", "0.50 and 0.60 points have a spread, and their interval (t with 1 degree of freedom) crosses zero");
    }
}
