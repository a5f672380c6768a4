using System;
using System.Linq;
using System.Text.Json;
using Dendritic.Experiments.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Results;

/// <summary>
/// <see cref="ExperimentReport.Warnings"/>: the data's warnings as given, then the one the runs show (every run best at
/// its first epoch), derived from the runs rather than stored, so that it follows them.
/// </summary>
[TestFixture]
public sealed class ReportWarningsTests
{
    private const string FirstEpoch = "Every run's best validation epoch was its first";

    private const string OneClass = "The training targets hold one class only (0): every arm can score by always answering it, so the comparison says nothing. Check the labels and the split.";

    [Test]
    public void Warnings_EveryRunBestAtItsFirstEpoch_AreDerivedFromTheRunsAfterTheDataWarnings()
    {
        var report = FirstEpochBest(HandMadeReport.For(1, 2)) with { Warnings = [OneClass] };

        report.Warnings.Should().HaveCount(2);
        report.Warnings[0].Should().Be(OneClass);
        report.Warnings[1].Should().StartWith(FirstEpoch).And.Contain("the highest 'accuracy'");
        ReportWriter.ToMarkdown(report).Should().Contain("**Warning:** " + FirstEpoch);
    }

    [Test]
    public void Warnings_RunsThatKeptLaterEpochs_HaveNoDerivedWarning()
    {
        HandMadeReport.For(1, 2).Warnings.Should().BeEmpty();
    }

    [Test]
    public void FromJson_FileHoldingTheDerivedWarning_ReadsItOnceAndWritesTheSameFile()
    {
        // report.json files written before the warning was derived hold it in "Warnings": the same text as derived.
        var json = ReportWriter.ToJson(FirstEpochBest(HandMadeReport.For(1)) with { Warnings = [OneClass] });
        StoredWarnings(json).Should().Equal(new[] { OneClass, FirstEpochBest(HandMadeReport.For(1)).Warnings[0] }, "the file lists every warning, as it did when it was stored");

        var read = ReportWriter.FromJson(json);

        read.Warnings.Count(w => w.StartsWith(FirstEpoch, StringComparison.Ordinal)).Should().Be(1);
        read.Warnings[0].Should().Be(OneClass);
        ReportWriter.ToJson(read).Should().Be(json);
    }

    [Test]
    public void FromJson_FileWarningOfRunsThatNoLongerShowIt_DropsTheWarning()
    {
        // An edited file: its runs kept later epochs, but "Warnings" still says every run kept its first.
        var warning = FirstEpochBest(HandMadeReport.For(1)).Warnings[0];
        var json = ReportWriter.ToJson(HandMadeReport.For(1)).Replace("\"Warnings\": []", "\"Warnings\": [" + JsonSerializer.Serialize(warning) + "]", StringComparison.Ordinal);
        StoredWarnings(json).Should().Equal(warning);

        ReportWriter.FromJson(json).Warnings.Should().BeEmpty();
    }

    [Test]
    public void Merge_OnlyOnePartsRunsAllBestAtTheirFirstEpoch_MergedReportDoesNotSayEveryRunWas()
    {
        // Stored, the part's warning was copied into the merged report, whose other part's runs kept later epochs.
        var merged = ReportMerger.Merge(new[] { FirstEpochBest(HandMadeReport.For(1)) with { Warnings = [OneClass] }, HandMadeReport.For(2) });

        merged.Warnings.Should().Equal(OneClass);
    }

    [Test]
    public void Merge_EveryPartsRunsBestAtTheirFirstEpoch_MergedReportWarnsOnce()
    {
        var merged = ReportMerger.Merge(new[] { FirstEpochBest(HandMadeReport.For(1)), FirstEpochBest(HandMadeReport.For(2)) });

        merged.Warnings.Should().ContainSingle().Which.Should().StartWith(FirstEpoch);
    }

    private static string?[] StoredWarnings(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("Warnings").EnumerateArray().Select(w => w.GetString()).ToArray();
    }

    // Every run's first epoch made its highest validation score, the kept one.
    private static ExperimentReport FirstEpochBest(ExperimentReport report) =>
        report with
        {
            Runs = report.Runs.Select(r => r with
            {
                BestEpoch = 1,
                BestValidationMetric = r.BestValidationMetric + 0.001,
                Curve = r.Curve.Select(p => p.Epoch == 1 ? p with { ValidationMetric = r.BestValidationMetric + 0.001, TestMetric = r.TestMetric } : p).ToList(),
            }).ToList(),
        };
}
