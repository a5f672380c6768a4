using System;
using System.IO;
using System.Linq;
using Dendritic.Experiments;
using Dendritic.Experiments.Tests.Support;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Pilot.Tests;

[TestFixture]
public sealed class PilotMergeTests : ConsoleErrorCapture
{
    [Test]
    public void Merge_Help_PrintsUsageAndSucceeds()
    {
        PilotApp.Run(new[] { "merge", "--help" }).Should().Be(ExitCodes.Success);
    }

    [Test]
    public void Merge_AMergedReportAsAPart_SaysToMergeItsRunsInstead()
    {
        using var temp = new TempFolder();
        RunTwoParts(temp);
        PilotApp.Run(Tiny(temp.Path, temp.File("c"), first: 3, seeds: 1)).Should().Be(ExitCodes.Success);
        PilotApp.Run(new[] { "merge", temp.File("a"), temp.File("b"), "--output", temp.File("ab") }).Should().Be(ExitCodes.Success);

        PilotApp.Run(new[] { "merge", temp.File("ab"), temp.File("c"), "--output", temp.File("abc") }).Should().NotBe(ExitCodes.Success);

        Error.Should().Contain("is itself a merged report").And.Contain("sources.json");
    }

    [Test]
    public void Merge_PartsOfDisjointSeeds_WritesTheReportOfOneRunOverAllSeeds()
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 48, test: 12);
        PilotApp.Run(Tiny(temp.Path, temp.File("whole"), first: 1, seeds: 2)).Should().Be(ExitCodes.Success);
        PilotApp.Run(Tiny(temp.Path, temp.File("a"), first: 1, seeds: 1)).Should().Be(ExitCodes.Success);
        PilotApp.Run(Tiny(temp.Path, temp.File("b"), first: 2, seeds: 1)).Should().Be(ExitCodes.Success);

        PilotApp.Run(new[] { "merge", temp.File("a"), temp.File("b"), "--output", temp.File("merged") }).Should().Be(ExitCodes.Success);

        var merged = Report(temp.File("merged"));
        var whole = Report(temp.File("whole"));
        merged.Seeds.Should().Equal(1, 2);
        merged.Runs.Select(r => (r.Arm, r.Seed, r.TestMetric)).Should().Equal(whole.Runs.OrderBy(r => r.Seed).ThenBy(r => r.Arm).Select(r => (r.Arm, r.Seed, r.TestMetric)));
        File.ReadAllText(Path.Combine(temp.File("merged"), "sources.json")).Should().Contain("ConfigSha256").And.Contain("dendritic-pilot-merge/1");
    }

    [Test]
    public void Merge_SameSeedTwice_ExitsWithBadInputNamingTheSeed()
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 48, test: 12);
        PilotApp.Run(Tiny(temp.Path, temp.File("a"), first: 1, seeds: 1)).Should().Be(ExitCodes.Success);

        PilotApp.Run(new[] { "merge", temp.File("a"), temp.File("a"), "-o", temp.File("merged") }).Should().Be(ExitCodes.BadInput);

        Error.Should().Contain("seed(s) 1 appear in more than one report");
    }

    [Test]
    public void Merge_EditedReportHoldingARunTwice_ExitsWithBadInputNamingTheSeedAndTheFile()
    {
        using var temp = new TempFolder();
        RunTwoParts(temp);
        var edited = Report(temp.File("b"));
        File.WriteAllText(Path.Combine(temp.File("b"), "report.json"), ReportWriter.ToJson(edited with { Runs = edited.Runs.Append(edited.Runs[0]).ToList() }));

        PilotApp.Run(new[] { "merge", temp.File("a"), temp.File("b"), "-o", temp.File("merged") }).Should().Be(ExitCodes.BadInput);

        // Refused as the part is read (ReportWriter.FromJson), naming its file.
        Error.Should().Contain($"'{Path.Combine(temp.File("b"), "report.json")}' is not a readable pilot report: The report's Runs hold 2 runs of the baseline arm for seed 2")
            .And.NotContain("   at ");
    }

    [Test]
    public void Merge_EditedReportWhoseRunRepeatsAnEpoch_ExitsWithBadInputNamingTheRunAndTheFile()
    {
        // A run records each epoch once; the chart drew a repeated growth epoch's mark twice, one off the line.
        using var temp = new TempFolder();
        RunTwoParts(temp);
        var edited = Report(temp.File("b"));
        var runs = edited.Runs.Select((r, i) => i == 0 ? r with { Curve = r.Curve.Append(r.Curve[0]).ToList() } : r).ToList();
        File.WriteAllText(Path.Combine(temp.File("b"), "report.json"), ReportWriter.ToJson(edited with { Runs = runs }));

        PilotApp.Run(new[] { "merge", temp.File("a"), temp.File("b"), "-o", temp.File("merged") }).Should().Be(ExitCodes.BadInput);

        Error.Should().Contain($"'{Path.Combine(temp.File("b"), "report.json")}' is not a readable pilot report")
            .And.Contain("Runs[0] (the baseline arm, seed 2) lists epoch 1 twice").And.NotContain("   at ");
        File.Exists(Path.Combine(temp.File("merged"), "report.json")).Should().BeFalse();
    }

    [Test]
    public void Merge_PartsOfAnotherModel_ExitsWithBadInputNamingTheSetting()
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 48, test: 12);
        PilotApp.Run(Tiny(temp.Path, temp.File("a"), first: 1, seeds: 1)).Should().Be(ExitCodes.Success);
        PilotApp.Run(Tiny(temp.Path, temp.File("b"), first: 2, seeds: 1).Concat(new[] { "--model", "cnn" }).ToArray()).Should().Be(ExitCodes.Success);

        PilotApp.Run(new[] { "merge", temp.File("a"), temp.File("b"), "-o", temp.File("merged") }).Should().Be(ExitCodes.BadInput);

        Error.Should().Contain("ran another configuration").And.Contain("Model");
    }

    [Test]
    public void Merge_OneFolder_ExitsWithBadOptionsAskingForTwo()
    {
        using var temp = new TempFolder();

        PilotApp.Run(new[] { "merge", temp.File("a"), "-o", temp.File("merged") }).Should().Be(ExitCodes.BadOptions);

        Error.Should().Contain("give at least two report folders");
        Directory.Exists(temp.File("merged")).Should().BeFalse();
    }

    [Test]
    public void Merge_OutputHoldsAReport_ExitsWithBadOptions()
    {
        using var temp = new TempFolder();
        RunTwoParts(temp);
        PilotApp.Run(Tiny(temp.Path, temp.File("c"), first: 3, seeds: 1)).Should().Be(ExitCodes.Success);

        PilotApp.Run(new[] { "merge", temp.File("a"), temp.File("c"), "-o", temp.File("b") }).Should().Be(ExitCodes.BadOptions);

        Error.Should().Contain("already holds a report");
    }

    [Test]
    public void Merge_OutputIsAFile_ExitsWithBadOptionsNamingTheOutput()
    {
        // It printed the whole merged table, then failed with IOException's bare message and exit code 3.
        using var temp = new TempFolder();
        RunTwoParts(temp);
        var file = temp.File("not-a-folder");
        File.WriteAllText(file, "x");

        PilotApp.Run(new[] { "merge", temp.File("a"), temp.File("b"), "-o", file }).Should().Be(ExitCodes.BadOptions);

        Error.Should().StartWith("error: merge: --output").And.Contain("cannot be created or written").And.Contain("choose a writable folder");
        File.ReadAllText(file).Should().Be("x");
    }

    [Test]
    public void Merge_ReportWithAnEmptyRun_ExitsWithBadInput()
    {
        using var temp = new TempFolder();
        RunTwoParts(temp);
        var path = Path.Combine(temp.File("a"), "report.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"Runs\": [", "\"Runs\": [ null,", StringComparison.Ordinal));

        PilotApp.Run(new[] { "merge", temp.File("a"), temp.File("b"), "-o", temp.File("merged") }).Should().Be(ExitCodes.BadInput);

        Error.Should().Contain("incomplete").And.NotContain("   at ");
    }

    // Found by fuzzing report.json: "1e400" read as infinity (a value near 1e308 overflowed the summary), and the merge
    // crashed with an ArgumentException and a stack trace after printing the table. An accuracy of 1e308 is now refused
    // as out of its range, so the summary's overflow is shown with a measurement that has no upper bound.
    [TestCase("TestMetric", "1e400", "too large for a double")]
    [TestCase("FlopsPerSample", "1e308", "not a finite number")]
    [TestCase("TestMetric", "1e308", "Runs[0].TestMetric (the baseline arm, seed 1) is 1E+308: an accuracy is a fraction, 0 to 1")]
    public void Merge_ReportWithAnOverlargeNumber_ExitsWithBadInputNamingIt(string field, string value, string expected)
    {
        using var temp = new TempFolder();
        RunTwoParts(temp);
        var path = Path.Combine(temp.File("a"), "report.json");
        File.WriteAllText(path, new System.Text.RegularExpressions.Regex($"\"{field}\": [-0-9.eE+]+").Replace(File.ReadAllText(path), $"\"{field}\": {value}", 1));

        PilotApp.Run(new[] { "merge", temp.File("a"), temp.File("b"), "-o", temp.File("merged") }).Should().Be(ExitCodes.BadInput);

        Error.Should().Contain(expected).And.NotContain("   at ");
        File.Exists(Path.Combine(temp.File("merged"), "report.json")).Should().BeFalse();
    }

    // The reviewer's cases: each merged with exit 0 ("Arm": 99 in both parts gave a "Dendritic vs 99" row).
    [TestCase("arm", "$.Runs[0].Arm (99) is not one of ArmKind's names")]
    [TestCase("width", "Runs[1].Width (the dendritic arm, seed 1) is -3: a width is at least 1")]
    [TestCase("epochs", "Runs[0].Epochs (the baseline arm, seed 1) is -2: a run trains at least one epoch")]
    [TestCase("epoch", "Runs[0].Curve[0].Epoch (the baseline arm, seed 1) is 2147483647: it is one of the run's epochs, 1 to")]
    [TestCase("duplicate", "Seed")]
    public void Merge_EditedReportWithAValueNoRunWrites_ExitsWithBadInputNamingTheFileFieldAndValue(string edit, string expected)
    {
        using var temp = new TempFolder();
        RunTwoParts(temp);
        foreach (var part in new[] { "a", "b" })
        {
            var path = Path.Combine(temp.File(part), "report.json");
            var report = Report(temp.File(part));
            var runs = report.Runs.ToList();
            var json = edit switch
            {
                "arm" => ReportWriter.ToJson(report with { Runs = runs.Select((r, i) => i == 0 ? r with { Arm = (ArmKind)99 } : r).ToList() }),
                "width" => ReportWriter.ToJson(report with { Runs = runs.Select((r, i) => i == 1 ? r with { Width = -3 } : r).ToList() }),
                "epochs" => ReportWriter.ToJson(report with { Runs = runs.Select((r, i) => i == 0 ? r with { Epochs = -2 } : r).ToList() }),
                "epoch" => ReportWriter.ToJson(report with { Runs = runs.Select((r, i) => i == 0 ? r with { Curve = r.Curve.Select((e, j) => j == 0 ? e with { Epoch = int.MaxValue } : e).ToList() } : r).ToList() }),
                _ => File.ReadAllText(path).Replace("\"Seed\": ", "\"Seed\": 7, \"Seed\": ", StringComparison.Ordinal),
            };
            File.WriteAllText(path, json);
        }

        PilotApp.Run(new[] { "merge", temp.File("a"), temp.File("b"), "-o", temp.File("merged") }).Should().Be(ExitCodes.BadInput);

        Error.Should().Contain($"'{Path.Combine(temp.File("a"), "report.json")}' is not a readable pilot report").And.Contain(expected).And.NotContain("   at ");
        File.Exists(Path.Combine(temp.File("merged"), "report.json")).Should().BeFalse();
    }

    [TestCase("merge")]
    [TestCase("merge a b")]
    [TestCase("merge a --output")]
    [TestCase("merge a --colour red -o out")]
    public void Merge_BadArguments_ExitsWithBadOptions(string args)
    {
        PilotApp.Run(args.Split(' ')).Should().Be(ExitCodes.BadOptions);

        Error.Should().StartWith("error: merge:");
    }

    [Test]
    public void Merge_FolderWithoutReport_ExitsWithBadInput()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("b"));

        PilotApp.Run(new[] { "merge", temp.Path, temp.File("b"), "-o", temp.File("merged") }).Should().Be(ExitCodes.BadInput);

        Error.Should().Contain("report.json").And.Contain("does not exist");
    }

    /// <summary>Tiny runs of seed 1 into folder "a" and seed 2 into "b" of <paramref name="temp"/>, on data written there.</summary>
    private static void RunTwoParts(TempFolder temp)
    {
        IdxFiles.WriteFolder(temp.Path, train: 48, test: 12);
        PilotApp.Run(Tiny(temp.Path, temp.File("a"), first: 1, seeds: 1)).Should().Be(ExitCodes.Success);
        PilotApp.Run(Tiny(temp.Path, temp.File("b"), first: 2, seeds: 1)).Should().Be(ExitCodes.Success);
    }

    private static string[] Tiny(string data, string output, int first, int seeds) =>
        new[] { "--data", data, "--seeds", seeds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--first-seed", first.ToString(System.Globalization.CultureInfo.InvariantCulture), "--epochs", "2", "--max-epochs", "4", "--width", "3", "--output", output };

    private static ExperimentReport Report(string folder) => ReportWriter.FromJson(File.ReadAllText(Path.Combine(folder, "report.json")));
}
