using System;
using System.Linq;
using Dendritic.Experiments.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Results;

public class ReportWriterFormatTests
{
    [TestCase(0.42, "+0.42")]
    [TestCase(-1.66, "-1.66")]
    [TestCase(0.0, "0.00")]
    [TestCase(-2e-16, "0.00")]
    [TestCase(0.00004, "0.00")]
    [TestCase(0.0046, "+0.0046")]
    [TestCase(-0.0046, "-0.0046")]
    [TestCase(0.005, "+0.01")]
    public void FormatSigned_Value_PrintsSignAndEnoughDecimalsToShowTheSide(double value, string expected)
    {
        ReportWriter.FormatSigned(value).Should().Be(expected);
    }

    [Test]
    public void ToMarkdown_ReportHoldingARunTwice_ThrowsNamingTheArmAndSeed()
    {
        // A hand-built or edited report with a run copied failed in ToDictionary, naming neither arm nor seed.
        var report = HandMadeReport.For(3, 5);
        var edited = report with { Runs = report.Runs.Append(report.Runs[0]).ToList() };

        var act = () => ReportWriter.ToMarkdown(edited);

        act.Should().Throw<ArgumentException>().WithMessage("The report holds 2 runs of the Baseline arm for seed 3*ReportMerger.Merge*");
    }

    [Test]
    public void RunsCsv_TextStartingLikeAFormula_IsWrittenAsText()
    {
        // report.json is read as untrusted input; an edited one had carried a formula into runs.csv as it stood, which a
        // spreadsheet runs when the file is opened (found in a review of hostile files).
        var report = HandMadeReport.For(1);
        var edited = report with { Runs = report.Runs.Select(r => r with { EnergySource = "=HYPERLINK(\"http://x\")" }).ToList() };

        var csv = ReportWriter.RunsCsv(ReportWriter.FromJson(ReportWriter.ToJson(edited)));

        csv.Should().Contain("\"'=HYPERLINK(\"\"http://x\"\")\"").And.NotContain(",\"=HYPERLINK");
    }
}
