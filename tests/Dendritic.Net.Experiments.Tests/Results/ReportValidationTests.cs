using System;
using System.Linq;
using System.Text.Json;
using Dendritic.Experiments.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Results;

/// <summary>
/// FromJson refuses what no run writes: a key given twice, an enum that is not a name, values out of their range. The
/// pilot's merge read each of these and merged them with exit 0.
/// </summary>
[TestFixture]
public sealed class ReportValidationTests
{
    [TestCase("\"Width\": 8,", "\"Width\": 8, \"Width\": -1,", "'Width'*At $.Width, line *")]
    [TestCase("\"Seed\": 1,", "\"Seed\": 1, \"Seed\": 2,", "'Seed'*At $.Runs[0].Seed, line *")]
    public void FromJson_KeyGivenTwice_ThrowsJsonExceptionNamingTheKeyAndWhereItIs(string find, string replace, string named)
    {
        // The serializer kept the last value, so an edit appended below the written one replaced it unseen.
        var act = () => ReportWriter.FromJson(ReplaceFirst(ReportWriter.ToJson(HandMadeReport.For(1)), find, replace));

        act.Should().Throw<JsonException>().WithMessage($"Duplicate*{named}use the report.json its run wrote.");
    }

    [TestCase("\"\\ud800\": 1, \"\\ud800\": 2,")]
    [TestCase("\"\\ud800\": 1,")]
    public void FromJson_KeyThatIsNoValidText_ThrowsJsonException(string keys)
    {
        // An escaped unpaired surrogate is valid JSON but no text; UntrustedText.ParseJson's duplicate check threw
        // InvalidOperationException on one, which the pilot's merge does not catch.
        var act = () => ReportWriter.FromJson(ReplaceFirst(ReportWriter.ToJson(HandMadeReport.For(1)), "\"Seed\": 1,", "\"Seed\": 1, " + keys));

        act.Should().Throw<JsonException>();
    }

    [TestCase("99", "(99)")]
    [TestCase("1", "(1)")]
    [TestCase("\"Dendritic, CapacityMatched\"", "(\"Dendritic, CapacityMatched\")")]
    [TestCase("\"Control\"", "(\"Control\")")]
    [TestCase("null", "(null)")]
    public void FromJson_ArmThatIsNotAName_ThrowsNamingThePathTheValueAndTheNames(string value, string shown)
    {
        // A number, even a defined one, or a list of names (OR-ed into TrainAsLong) read as an arm.
        var act = () => ReportWriter.FromJson(ReplaceFirst(ReportWriter.ToJson(HandMadeReport.For(1)), "\"Arm\": \"Baseline\"", $"\"Arm\": {value}"));

        act.Should().Throw<JsonException>().WithMessage($"The value at $.Runs[0].Arm {shown} is not one of ArmKind's names (Baseline, Dendritic, CapacityMatched, TrainAsLong)*")
            .Which.Path.Should().Be("$.Runs[0].Arm");
    }

    [Test]
    public void FromJson_ArmNameInAnotherCase_ReadsTheArm()
    {
        // JsonStringEnumConverter matched names regardless of case; a file that read before still reads.
        var read = ReportWriter.FromJson(ReplaceFirst(ReportWriter.ToJson(HandMadeReport.For(1)), "\"Arm\": \"Baseline\"", "\"Arm\": \"baseline\""));

        read.Runs[0].Arm.Should().Be(ArmKind.Baseline);
    }

    [Test]
    public void FromJson_FinishedUtcAsEarlierVersionsWroteIt_ReadsTheSameInstantAtOffsetZero()
    {
        // FinishedUtc was a DateTime until 1 December 2026 and was written with a trailing Z; those report.json files
        // (the committed results among them) must still read and merge.
        var json = ReportWriter.ToJson(HandMadeReport.For(1));
        json.Should().Contain("\"FinishedUtc\": \"2026-11-29T12:00:00+00:00\"");

        var read = ReportWriter.FromJson(json.Replace("2026-11-29T12:00:00+00:00", "2026-11-29T12:00:00Z", StringComparison.Ordinal));

        read.FinishedUtc.Should().Be(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        read.FinishedUtc.Offset.Should().Be(TimeSpan.Zero);
    }

    [TestCase("width", "The report's Runs[1].Width (the dendritic arm, seed 1) is -8: a width is at least 1.*")]
    [TestCase("epochs", "The report's Runs[0].Epochs (the baseline arm, seed 1) is -3: a run trains at least one epoch.*")]
    [TestCase("epochs-count", "The report's Runs[0].Epochs (the baseline arm, seed 1) is 5: it must equal the number of its curve's points (3)*")]
    [TestCase("epoch", "The report's Runs[0].Curve[2].Epoch (the baseline arm, seed 1) is 2147483647: it is one of the run's epochs, 1 to 3.*")]
    [TestCase("best-epoch", "The report's Runs[0].BestEpoch (the baseline arm, seed 1) is 0: it is one of the run's epochs, 1 to 3.*")]
    [TestCase("accuracy", "The report's Runs[1].TestMetric (the dendritic arm, seed 1) is 1.5: an accuracy is a fraction, 0 to 1.*")]
    [TestCase("curve-accuracy", "The report's Runs[0].Curve[1].ValidationMetric (the baseline arm, seed 1) is -0.25: an accuracy is a fraction, 0 to 1.*")]
    [TestCase("seconds", "The report's Runs[0].TrainingSeconds (the baseline arm, seed 1) is -1: a measurement is at least 0.*")]
    [TestCase("gpu", "The report's Runs[0].GpuUtilizationPercent (the baseline arm, seed 1) is 101: a utilisation is 0 to 100 percent.*")]
    [TestCase("report-width", "The report's Width is 0: a width is at least 1.*")]
    [TestCase("recipe", "The report's Recipe.Epochs is 0: a run trains at least one epoch.*")]
    [TestCase("summary", "The report's Summaries[0].Widths[0] is -8: a width is at least 1.*")]
    public void FromJson_ValueNoRunWrites_ThrowsNamingTheFieldTheRunAndTheValue(string edit, string message)
    {
        var report = HandMadeReport.For(1);
        var edited = edit switch
        {
            "width" => Run(report, 1, r => r with { Width = -8 }),
            "epochs" => Run(report, 0, r => r with { Epochs = -3 }),
            "epochs-count" => Run(report, 0, r => r with { Epochs = 5 }),
            "epoch" => Run(report, 0, r => r with { Curve = r.Curve.Select((e, i) => i == 2 ? e with { Epoch = int.MaxValue } : e).ToList() }),
            "best-epoch" => Run(report, 0, r => r with { BestEpoch = 0 }),
            "accuracy" => Run(report, 1, r => r with { TestMetric = 1.5 }),
            "curve-accuracy" => Run(report, 0, r => r with { Curve = r.Curve.Select((e, i) => i == 1 ? e with { ValidationMetric = -0.25 } : e).ToList() }),
            "seconds" => Run(report, 0, r => r with { TrainingSeconds = -1 }),
            "gpu" => Run(report, 0, r => r with { GpuUtilizationPercent = 101 }),
            "report-width" => report with { Width = 0 },
            "recipe" => report with { Recipe = report.Recipe with { Epochs = 0 } },
            _ => report with { Summaries = report.Summaries.Select((s, i) => i == 0 ? s with { Widths = [-8] } : s).ToList() },
        };

        var act = () => ReportWriter.FromJson(ReportWriter.ToJson(edited));

        act.Should().Throw<JsonException>().WithMessage(message + "use the report.json its run wrote.");
    }

    [Test]
    public void FromJson_MetricOtherThanAccuracy_ReadsValuesOutsideZeroToOne()
    {
        // Another metric (negative MSE, R²) may take any finite value: only accuracy is a fraction.
        var report = HandMadeReport.For(1) with { MetricName = "negative MSE" };
        report = Run(report, 0, r => r with
        {
            TestMetric = -12.5,
            BestValidationMetric = -3,
            Curve = r.Curve.Select(p => p.Epoch == r.BestEpoch ? p with { ValidationMetric = -3, TestMetric = -12.5 } : p with { ValidationMetric = -4 }).ToList(),
        });

        ReportWriter.FromJson(ReportWriter.ToJson(report)).Runs[0].TestMetric.Should().Be(-12.5);
    }

    private static ExperimentReport Run(ExperimentReport report, int index, Func<RunResult, RunResult> edit) =>
        report with { Runs = report.Runs.Select((r, i) => i == index ? edit(r) : r).ToList() };

    private static string ReplaceFirst(string text, string find, string replace)
    {
        var at = text.IndexOf(find, StringComparison.Ordinal);
        at.Should().BeGreaterThanOrEqualTo(0, $"the report holds {find}");
        return string.Concat(text.AsSpan(0, at), replace, text.AsSpan(at + find.Length));
    }

    [Test]
    public void FromJson_RunGivenTwiceForOneArmAndSeed_ThrowsJsonExceptionNamingArmAndSeed()
    {
        // Read, it made WriteAll and ConsoleTable throw an ArgumentException naming no file (found in a review).
        var report = HandMadeReport.For(1);
        var twice = report with { Runs = report.Runs.Append(report.Runs[1]).ToList() };

        var act = () => ReportWriter.FromJson(ReportWriter.ToJson(twice));

        act.Should().Throw<JsonException>().WithMessage("*2 runs of the * arm for seed 1: every arm runs once per seed*use the report.json its run wrote.");
    }

    [TestCase(new[] { 42 }, "*Seeds are 42, but its runs are of the seeds 1, 2*")]
    [TestCase(new[] { 1, 2, 2 }, "*Seeds are 1, 2, 2, but its runs are of the seeds 1, 2*")]
    public void FromJson_SeedsOtherThanThoseOfTheRuns_ThrowsJsonExceptionNamingBoth(int[] seeds, string expected)
    {
        var act = () => ReportWriter.FromJson(ReportWriter.ToJson(HandMadeReport.For(1, 2) with { Seeds = seeds }));

        act.Should().Throw<JsonException>().WithMessage(expected);
    }

    [Test]
    public void FromJson_SummariesEditedOrEmptied_ReturnsThoseOfItsRuns()
    {
        // The file's summaries were printed as they stood: a mean of 700 %, "900.00 to -900.00", or WriteAll's
        // InvalidOperationException for a summary without widths (found in a review).
        var report = HandMadeReport.For(1, 2);
        var edited = report with
        {
            Summaries = report.Summaries.Select((s, i) => i == 0 ? s with { Widths = Array.Empty<int>() } : s with { TestMetric = s.TestMetric with { Mean = 7 } }).ToList(),
        };

        var read = ReportWriter.FromJson(ReportWriter.ToJson(edited));

        ReportWriter.ToJson(read).Should().Be(ReportWriter.ToJson(report));
    }

    [Test]
    public void FromJson_RunValuesTooLargeToSummarise_ThrowsJsonExceptionNamingArmAndQuantity()
    {
        // Summarised again from the runs, two of 1.7e308 made an infinite spread that ToJson then refused (found in review).
        var report = HandMadeReport.For(1, 2);
        var huge = report with { Runs = report.Runs.Select(r => r.Arm == ArmKind.Baseline ? r with { TrainingSeconds = r.Seed == 1 ? 1.7e308 : 0 } : r).ToList() };

        var act = () => ReportWriter.FromJson(ReportWriter.ToJson(huge));

        act.Should().Throw<JsonException>().WithMessage("*runs of the baseline arm have a * too large to summarise*");
    }

    [TestCase("TestMetric", "*Runs[0].TestMetric (the baseline arm, seed 1) is 0.99: it is its best epoch's test score in the curve, *")]
    [TestCase("BestValidationMetric", "*Runs[0].BestValidationMetric (the baseline arm, seed 1) is 0.99: it is its best epoch's validation score*")]
    [TestCase("BestEpoch", "*Runs[0].BestEpoch (the baseline arm, seed 1) is 3: a run keeps the first epoch of its highest validation score, 2 in its curve*")]
    [TestCase("Width", "*Runs[0].Width (the baseline arm, seed 1) is 7: every arm but the capacity-matched control runs at the report's Width, 8*")]
    [TestCase("Epochs", "*Runs[0].Epochs (the baseline arm, seed 1) is 4: the baseline trains the recipe's epochs, Recipe.Epochs 3*")]
    public void FromJson_RunValueThatDisagreesWithItsCurveOrTheReport_ThrowsJsonExceptionNamingBoth(string field, string expected)
    {
        // Accepted, an edited test score of 0.99 where the curve said 0.8775 summarised to an interval reaching 107.81 %
        // (found in a newcomer's trial); a width or budget other than the report's was printed as the report's.
        var report = Run(HandMadeReport.For(1), 0, r => field switch
        {
            "TestMetric" => r with { TestMetric = 0.99 },
            "BestValidationMetric" => r with { BestValidationMetric = 0.99 },
            "BestEpoch" => r with { BestEpoch = 3 },
            "Width" => r with { Width = 7 },
            _ => r with { Epochs = 4, Curve = r.Curve.Append(r.Curve[^1] with { Epoch = 4, ValidationMetric = 0.5 }).ToList() },
        });

        var act = () => ReportWriter.FromJson(ReportWriter.ToJson(report));

        act.Should().Throw<JsonException>().WithMessage(expected);
    }

    [Test]
    public void FromJson_StringWhereANumberBelongs_SaysWhereAndWhatToDo()
    {
        // The serializer's own message said where but not what to do (found in a newcomer's trial).
        var json = ReplaceFirst(ReportWriter.ToJson(HandMadeReport.For(1)), "\"TestMetric\": ", "\"TestMetric\": \"high\", \"Unused\": ");

        var act = () => ReportWriter.FromJson(json);

        act.Should().Throw<JsonException>().WithMessage("*$.Runs[0].TestMetric*The file was edited or damaged; use the report.json its run wrote.");
    }
}
