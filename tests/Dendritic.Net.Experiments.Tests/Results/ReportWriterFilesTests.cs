using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Dendritic.Experiments.Tests.Support;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Results;

[TestFixture]
public sealed class ReportWriterFilesTests
{
    [Test]
    public void WriteAll_OverAnOpenReport_ReplacesTheFileInsteadOfRewritingItInPlace()
    {
        // A file rewritten in place (truncated, then filled) is seen half-written by a reader or after a crash; one
        // replaced by a rename leaves a reader that opened the old file with the whole old file.
        using var temp = new TempFolder();
        ReportWriter.WriteAll(HandMadeReport.For(1), temp.Path);
        var path = temp.File("report.json");
        var old = File.ReadAllText(path);
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        ReportWriter.WriteAll(HandMadeReport.For(1, 2), temp.Path);

        using (var text = new StreamReader(reader))
        {
            text.ReadToEnd().Should().Be(old);
        }

        File.ReadAllText(path).Should().Contain("\"Seeds\": [\n    1,\n    2\n  ]".Replace("\n", Environment.NewLine, StringComparison.Ordinal));
        Directory.GetFiles(temp.Path).Select(Path.GetFileName).Should().BeEquivalentTo("report.json", "runs.csv", "summary.csv", "curves.csv", "activations.csv", "summary.md");
    }

    [Test]
    public void WriteAll_PathOfAFile_ThrowsSayingAFolderIsNeededAndLeavesTheFile()
    {
        using var temp = new TempFolder();
        var file = temp.File("afile");
        File.WriteAllText(file, "mine");

        var reports = () => ReportWriter.WriteAll(HandMadeReport.For(1), file);
        var charts = () => Dendritic.Reporting.ExperimentCharts.WriteAll(HandMadeReport.For(1), file);

        reports.Should().Throw<IOException>().WithMessage("*afile' is a file, not a folder*Give the path of a folder*");
        charts.Should().Throw<IOException>().WithMessage("*afile' is a file, not a folder*");
        File.ReadAllText(file).Should().Be("mine");
    }

    [Test]
    public void FromJson_WrittenReport_RoundTrips()
    {
        var report = HandMadeReport.For(1, 2);

        var read = ReportWriter.FromJson(ReportWriter.ToJson(report));

        ReportWriter.ToJson(read).Should().Be(ReportWriter.ToJson(report));
    }

    [TestCase("\"Curve\": [", "\"Curve\": null, \"Ignored\": [", "Curve")]
    [TestCase("\"MetricName\": \"accuracy\"", "\"MetricName\": null", "MetricName")]
    [TestCase("\"EnergySource\": \"test\"", "\"EnergySource\": null", "EnergySource")]
    [TestCase("\"Runs\": [", "\"Runs\": [ null,", "Runs[0]")]
    [TestCase("\"Curve\": [", "\"Curve\": [ null,", "Runs[0].Curve[0]")]
    [TestCase("\"Summaries\": [", "\"Summaries\": [ null,", "Summaries[0]")]
    public void FromJson_NullWhereAValueIsNeeded_ThrowsJsonExceptionNamingIt(string find, string replace, string named)
    {
        var json = ReportWriter.ToJson(HandMadeReport.For(1));
        var first = json.IndexOf(find, StringComparison.Ordinal);
        var damaged = string.Concat(json.AsSpan(0, first), replace, json.AsSpan(first + find.Length));

        var act = () => ReportWriter.FromJson(damaged);

        act.Should().Throw<JsonException>().WithMessage($"*{named}*");
    }

    // Found by fuzzing report.json for the pilot's merge: "1e400" read as infinity, and the merge threw an
    // ArgumentException when it summarised or wrote the report.
    [TestCase("TestMetric", "1e400", "$.Runs[0].TestMetric")]
    [TestCase("TrainLoss", "-1e400", "$.Runs[0].Curve[0].TrainLoss")]
    [TestCase("LearningRate", "1e999", "$.Recipe.LearningRate")]
    [TestCase("EnergyJoules", "1e400", "$.Runs[0].EnergyJoules")]
    [TestCase("StdDev", "-1e400", "$.Summaries[0].TestMetric.StdDev")]
    public void FromJson_NumberTooLargeForADouble_ThrowsJsonExceptionNamingItsPath(string field, string value, string named)
    {
        var act = () => ReportWriter.FromJson(WithFirstNumber(field, value));

        act.Should().Throw<JsonException>().WithMessage($"*{named}*too large for a double*");
    }

    [TestCase("TestMetric", "\"0.9\"", "$.Runs[0].TestMetric")]
    [TestCase("TestMetric", "null", "$.Runs[0].TestMetric")]
    [TestCase("EnergyJoules", "true", "$.Runs[0].EnergyJoules")]
    public void FromJson_NumberOfAnotherKind_ThrowsJsonExceptionNamingItsPath(string field, string value, string named)
    {
        // The finite-number converter reads every double: a value that is no number stays System.Text.Json's error.
        var act = () => ReportWriter.FromJson(WithFirstNumber(field, value));

        act.Should().Throw<JsonException>().Which.Path.Should().Be(named);
    }

    [TestCase(double.NaN, "NaN")]
    [TestCase(double.PositiveInfinity, "Infinity")]
    public void ToJson_NumberJsonCannotHold_ThrowsJsonExceptionNamingItsPath(double value, string named)
    {
        // Utf8JsonWriter refused it with an ArgumentException that named no field.
        var report = HandMadeReport.For(1);
        report = report with { Runs = report.Runs.Select((r, i) => i == 1 ? r with { Co2Grams = value } : r).ToList() };

        var act = () => ReportWriter.ToJson(report);

        act.Should().Throw<JsonException>().WithMessage($"A value of $.Runs*Co2Grams is {named}: JSON has no notation for NaN or infinity*");
    }

    [Test]
    public void FromJson_RunListsAnEpochTwice_ThrowsJsonExceptionNamingTheRunAndEpoch()
    {
        // The runner records each epoch of a run once (nothing resumes a run), so a repeat is an edited or damaged file.
        var report = HandMadeReport.For(1, 2);
        var runs = report.Runs.ToList();
        runs[3] = runs[3] with { Curve = runs[3].Curve.Append(runs[3].Curve[1] with { ValidationMetric = 0.5 }).ToList() };

        var act = () => ReportWriter.FromJson(ReportWriter.ToJson(report with { Runs = runs }));

        act.Should().Throw<JsonException>().WithMessage("The report's Runs[3] (the dendritic arm, seed 2) lists epoch 2 twice, at Curve[1] and Curve[3]: a run records each epoch once*");
    }

    /// <summary>A one-seed hand-made report's JSON with the first number of <paramref name="field"/> replaced by <paramref name="value"/>.</summary>
    private static string WithFirstNumber(string field, string value) =>
        new System.Text.RegularExpressions.Regex($"\"{field}\": [-0-9.eE+]+").Replace(ReportWriter.ToJson(HandMadeReport.For(1)), $"\"{field}\": {value}", 1);
}
