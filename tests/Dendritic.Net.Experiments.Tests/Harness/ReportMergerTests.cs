using System;
using System.Linq;
using Dendritic.Experiments.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Harness;

/// <summary>Reports of disjoint seeds merge into the report one run over all those seeds gives.</summary>
[TestFixture]
public sealed class ReportMergerTests
{
    private static ExperimentOptions Options(params int[] seeds) => Synthetic.TinyOptions(seeds) with { LatencyRepeats = 2 };

    private static ExperimentReport Run(params int[] seeds) =>
        new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), new ScriptedGrowth { MaxEpochs = 4, GrowAfterEpoch = 2 }, Options(seeds)).Run();

    [Test]
    public void Merge_DisjointSeeds_EqualsOneRunOverAllSeeds()
    {
        var whole = Run(3, 4);

        var merged = ReportMerger.Merge(new[] { Run(4), Run(3) });

        merged.Seeds.Should().Equal(3, 4);
        merged.Runs.Select(r => (r.Arm, r.Seed, r.Width, r.Epochs, r.BestEpoch, r.TestMetric, r.Parameters))
            .Should().Equal(whole.Runs.OrderBy(r => r.Seed).ThenBy(r => r.Arm).Select(r => (r.Arm, r.Seed, r.Width, r.Epochs, r.BestEpoch, r.TestMetric, r.Parameters)));
        merged.Summaries.Select(s => (s.Arm, s.TestMetric, s.DifferenceVsBaseline))
            .Should().Equal(whole.Summaries.Select(s => (s.Arm, s.TestMetric, s.DifferenceVsBaseline)));
    }

    [Test]
    public void Merge_RunValuesWhoseSummaryOverflows_ThrowsNamingTheArmAndQuantity()
    {
        // Found by fuzzing report.json: a finite 1e308 squared in the standard deviation gave an infinite summary, and
        // writing the merged report threw ArgumentException (JSON has no infinity).
        var first = HandMadeReport.For(1);
        var second = HandMadeReport.For(2);
        second = second with { Runs = second.Runs.Select(r => r.Arm == ArmKind.Dendritic ? r with { TestMetric = 1e308 } : r).ToList() };

        var act = () => ReportMerger.Merge(new[] { first, second });

        act.Should().Throw<ReportMergeException>().WithMessage("*the dendritic arm's TestMetric over all seeds is not a finite number*");
    }

    [Test]
    public void Merge_Co2ValuesWhoseSummaryOverflows_ThrowsNamingCo2Grams()
    {
        // The quantities checked are summary.csv's (SummaryQuantities), the optional ones included.
        var first = HandMadeReport.For(1);
        var second = HandMadeReport.For(2);
        second = second with { Runs = second.Runs.Select(r => r with { Co2Grams = 1e308 }).ToList() };

        var act = () => ReportMerger.Merge(new[] { first, second });

        act.Should().Throw<ReportMergeException>().WithMessage("*the baseline arm's Co2Grams over all seeds is not a finite number*");
    }

    [Test]
    public void Merge_OverlappingSeeds_ThrowsNamingTheSeed()
    {
        var part = Run(3);

        var act = () => ReportMerger.Merge(new[] { part, part });

        act.Should().Throw<ReportMergeException>().WithMessage("*seed(s) 3 appear in more than one report*");
    }

    [Test]
    public void Merge_ReportHoldingARunTwice_ThrowsNamingTheArmAndSeed()
    {
        // An edited report with a run copied: the merge said only "does not run every arm once per seed", naming
        // neither the seed nor the arm (ReportWriter, given such a report, fails in ToDictionary).
        var part = HandMadeReport.For(3, 5);
        var edited = part with { Runs = part.Runs.Append(part.Runs[0]).ToList() };

        var act = () => ReportMerger.Merge(new[] { HandMadeReport.For(4), edited });

        act.Should().Throw<ReportMergeException>().WithMessage("*report 2 holds 2 runs of the baseline arm for seed 3, where every arm runs once per seed*");
    }

    [Test]
    public void Merge_ReportListingASeedTwice_ThrowsSayingSoNotThatTwoReportsShareIt()
    {
        var part = HandMadeReport.For(3) with { Seeds = new[] { 3, 3 } };

        var act = () => ReportMerger.Merge(new[] { part, HandMadeReport.For(4) });

        act.Should().Throw<ReportMergeException>().WithMessage("*report 1 lists seed(s) 3 more than once*")
            .Which.Message.Should().NotContain("more than one report");
    }

    [Test]
    public void Merge_DifferentWidthAndRecipe_ThrowsNamingEverySetting()
    {
        var part = Run(3);
        var other = Run(4) with { Width = 8, Recipe = part.Recipe with { Epochs = 5 } };

        var act = () => ReportMerger.Merge(new[] { part, other });

        act.Should().Throw<ReportMergeException>().WithMessage("*Width differs between report 1 (4) and report 2 (8)*Recipe differs*");
    }

    [Test]
    public void Merge_PartsOfAnotherModelAtTheSameWidth_ThrowsNamingTheBaselinesParameterCounts()
    {
        // A report does not name its model: a part rerun with a wider second hidden layer at the same Width had been
        // merged (found in a newcomer's trial).
        var part = HandMadeReport.For(1);
        var other = HandMadeReport.For(2);
        other = other with { Runs = other.Runs.Select(r => r.Arm == ArmKind.Baseline ? r with { Parameters = r.Parameters + 204 } : r).ToList() };

        var act = () => ReportMerger.Merge(new[] { part, other });

        act.Should().Throw<ReportMergeException>().WithMessage("*the baseline's parameter count (the parts ran different models) differs between report 1 (*) and report 2 (*)*");
    }

    [Test]
    public void Merge_SeedsThatDoNotMatchTheRuns_Throws()
    {
        var part = Run(3) with { Seeds = new[] { 5 } };

        var act = () => ReportMerger.Merge(new[] { part });

        act.Should().Throw<ReportMergeException>().WithMessage("*lists seeds 5 but holds runs of seeds 3*");
    }

    [Test]
    public void Merge_NoReport_Throws()
    {
        var act = () => ReportMerger.Merge(Array.Empty<ExperimentReport>());

        act.Should().Throw<ReportMergeException>().WithMessage("No report to merge*");
    }
}
