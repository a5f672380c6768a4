using System.Linq;
using Dendritic.Experiments.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Results;

/// <summary>
/// The summary for a metric of the user's own and for a dendritic arm that stopped before the baseline's budget, from
/// a newcomer's trial: an R² printed "0.70 ± 0.00" hid the differences compared, a train-as-long control that
/// trained fewer epochs than the baseline went unmentioned, and so did dendritic arms that kept no dendrites.
/// </summary>
public class ReportWriterNotesTests
{
    [Test]
    public void ToMarkdown_MetricOfItsOwn_PrintsFourDecimalsAndNoPercentagePoints()
    {
        var report = HandMadeReport.For(3, 5) with { MetricName = "R²" };

        var md = ReportWriter.ToMarkdown(report);

        md.Should().Contain("Test R², mean ± sd").And.NotContain(" pp ");
        var baseline = report.Summaries.Single(s => s.Arm == ArmKind.Baseline).TestMetric.Mean;
        md.Should().Contain($"| {baseline.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)} ± ");
    }

    [Test]
    public void ToMarkdown_Accuracy_KeepsTwoDecimalPercentages()
    {
        var report = HandMadeReport.For(3, 5);

        var md = ReportWriter.ToMarkdown(report);

        var baseline = report.Summaries.Single(s => s.Arm == ArmKind.Baseline).TestMetric.Mean * 100;
        md.Should().Contain($"| {baseline.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)} ± ").And.Contain(" pp (");
    }

    [Test]
    public void ToMarkdown_TrainAsLongShorterThanTheBaseline_SaysOnWhichSeeds()
    {
        var report = HandMadeReport.For(3, 5);
        var baseline = report.Runs.First(r => r.Arm == ArmKind.Baseline && r.Seed == 5);
        var runs = report.Runs
            .Append(baseline with { Arm = ArmKind.TrainAsLong, Seed = 3, Epochs = 3 })
            .Append(baseline with { Arm = ArmKind.TrainAsLong, Seed = 5, Epochs = 2 })
            .ToList();
        report = report with { Runs = runs, Summaries = ReportSummaries.Build(runs) };

        var md = ReportWriter.ToMarkdown(report);

        md.Should().Contain("**Note:** on 1 of 2 seeds (5) the dendritic arm's growth completed before the baseline's");
    }

    [Test]
    public void ToMarkdown_TrainAsLongAsLongAsTheBaseline_HasNoSuchNote()
    {
        var md = ReportWriter.ToMarkdown(HandMadeReport.For(3, 5));

        md.Should().NotContain("trained fewer epochs than the baseline");
    }

    [Test]
    public void ToMarkdown_DendriticArmThatKeptNoSetOnSomeSeeds_SaysOnWhichSeeds()
    {
        var report = HandMadeReport.For(3, 5, 7);
        var runs = report.Runs.Select(r => r.Arm == ArmKind.Dendritic && r.Seed != 5 ? r with { DendriteCount = 0 } : r).ToList();
        report = report with { Runs = runs, Summaries = ReportSummaries.Build(runs) };

        var md = ReportWriter.ToMarkdown(report);

        md.Should().Contain("**Note:** on 2 of 3 seeds (3, 7) the dendritic arm's reported model has no dendrites");
    }

    [Test]
    public void ToMarkdown_DendriticArmWithDendritesOnEverySeed_HasNoSuchNote()
    {
        var md = ReportWriter.ToMarkdown(HandMadeReport.For(3, 5));

        md.Should().NotContain("reported model has no dendrites");
    }
}
