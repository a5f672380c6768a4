using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using Dendritic.Experiments;
using Dendritic.Experiments.Tests.Support;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Pilot.Tests;

[TestFixture]
public sealed class PilotConfigRunTests : ConsoleErrorCapture
{
    [Test]
    public void Run_TinyFolder_WritesConfigWithEverySettingTheDataHashesAndVersions()
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 48, test: 12);

        PilotApp.Run(Tiny(temp.Path, temp.File("out"))).Should().Be(ExitCodes.Success);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(temp.File("out"), "config.json")));
        var root = json.RootElement;
        root.GetProperty("Format").GetString().Should().Be(PilotConfig.CurrentFormat);
        root.GetProperty("Options").EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(
            typeof(PilotOptions).GetProperties().Where(p => p.SetMethod is not null).Select(p => p.Name));
        root.GetProperty("Options").GetProperty("Seeds").GetInt32().Should().Be(2);
        var data = root.GetProperty("Data").EnumerateArray().ToList();
        data.Select(d => d.GetProperty("File").GetString()).Should().BeEquivalentTo(IdxImageFolder.Files(temp.Path).Select(Path.GetFileName));
        var first = IdxImageFolder.Files(temp.Path)[0];
        data[0].GetProperty("Sha256").GetString().Should().Be(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(first))));
        var recorded = root.GetProperty("Recorded");
        recorded.GetProperty("Library").GetString().Should().NotBeNullOrEmpty();
        recorded.GetProperty("TorchSharp").GetString().Should().StartWith("0.");
        recorded.GetProperty("Arms").GetArrayLength().Should().Be(4);
        recorded.GetProperty("Recipe").GetProperty("Epochs").GetInt32().Should().Be(2);
        recorded.GetProperty("Growth").GetString().Should().Contain("GrowthScheduler");
    }

    [Test]
    public void Run_FromItsConfig_GivesBitIdenticalResults()
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 48, test: 12);
        PilotApp.Run(Tiny(temp.Path, temp.File("first"))).Should().Be(ExitCodes.Success);

        PilotApp.Run(new[] { "--config", Path.Combine(temp.File("first"), "config.json"), "--output", temp.File("second") }).Should().Be(ExitCodes.Success, Error);

        var (first, second) = (Report(temp.File("first")), Report(temp.File("second")));
        second.Runs.Select(r => (r.Arm, r.Seed, r.Width, r.Epochs, r.BestEpoch, r.TestMetric, r.BestValidationMetric, r.Parameters))
            .Should().Equal(first.Runs.Select(r => (r.Arm, r.Seed, r.Width, r.Epochs, r.BestEpoch, r.TestMetric, r.BestValidationMetric, r.Parameters)));
        second.Runs.SelectMany(r => r.Curve.Select(e => e.TrainLoss)).Should().Equal(first.Runs.SelectMany(r => r.Curve.Select(e => e.TrainLoss)), "bit for bit, not approximately");
        // The value read back, not its JSON spelling: the config is written with relaxed escaping, while JsonSerializer's
        // default escapes non-ASCII and HTML-sensitive characters ('ü' as \u00FC, '+' as \u002B), so a temp folder
        // such as C:\Users\Jürgen\AppData\Local\Temp (or a TMPDIR so named) failed a text comparison.
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(temp.File("second"), "config.json")));
        json.RootElement.GetProperty("Options").GetProperty("OutputFolder").GetString().Should().Be(temp.File("second"));
    }

    [Test]
    public void Run_ConfigWithChangedData_ReturnsBadInputNamingTheFile()
    {
        using var temp = new TempFolder();
        var data = Path.Combine(temp.Path, "data");
        Directory.CreateDirectory(data);
        IdxFiles.WriteFolder(data, train: 48, test: 12);
        PilotApp.Run(Tiny(data, temp.File("first"))).Should().Be(ExitCodes.Success);
        IdxFiles.WriteFolder(data, train: 40, test: 12);

        PilotApp.Run(new[] { "--config", Path.Combine(temp.File("first"), "config.json"), "--output", temp.File("second") }).Should().Be(ExitCodes.BadInput);

        Error.Should().Contain("the data differ from the config's").And.Contain("train-images-idx3-ubyte").And.Contain("SHA-256");
        Directory.Exists(temp.File("second")).Should().BeFalse("nothing runs on data that differ");
    }

    [Test]
    public void Run_ConfigWhoseDataFolderIsGone_ReturnsBadInputSayingToGiveData()
    {
        using var temp = new TempFolder();
        var data = Path.Combine(temp.Path, "data");
        Directory.CreateDirectory(data);
        IdxFiles.WriteFolder(data, train: 48, test: 12);
        PilotApp.Run(Tiny(data, temp.File("first"))).Should().Be(ExitCodes.Success);
        Directory.Move(data, Path.Combine(temp.Path, "moved"));

        PilotApp.Run(new[] { "--config", Path.Combine(temp.File("first"), "config.json"), "--output", temp.File("second") }).Should().Be(ExitCodes.BadInput);

        Error.Should().Contain("does not exist here").And.Contain("--data FOLDER after --config");
    }

    [Test]
    public void Run_ConfigDataFolderStartingWithAt_ReturnsBadInputForTheMissingFolder()
    {
        // "@x" is a folder name like any other, not a response file to read flags from.
        using var temp = new TempFolder();
        var config = temp.File("config.json");
        File.WriteAllText(config, "{ \"Format\": \"dendritic-pilot-config/1\", \"Options\": { \"DataFolder\": \"@x\" }, \"Data\": [] }");

        PilotApp.Run(new[] { "--config", config, "--output", temp.File("out") }).Should().Be(ExitCodes.BadInput, Error);

        Error.Should().Contain("the data folder '@x' does not exist here");
    }

    [TestCase("Seeds", "0", "--seeds must be at least 1")]
    [TestCase("FirstSeed", "2147483647", "--first-seed 2147483647 with --seeds 2 runs past the largest seed")]
    public void Run_ConfigWithSettingOutOfRange_ReturnsBadOptionsAndLeavesThePreviousReport(string setting, string value, string message)
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 48, test: 12);
        var output = temp.File("out");
        PilotApp.Run(Tiny(temp.Path, output)).Should().Be(ExitCodes.Success);
        var before = File.ReadAllBytes(Path.Combine(output, "report.json"));
        var config = Path.Combine(output, "config.json");
        var edited = temp.File("edited.json");
        var text = File.ReadAllText(config);
        var original = setting == "Seeds" ? "\"Seeds\": 2" : "\"FirstSeed\": 1";
        text.Should().Contain(original);
        File.WriteAllText(edited, text.Replace(original, $"\"{setting}\": {value}", StringComparison.Ordinal));

        PilotApp.Run(new[] { "--config", edited, "--output", output }).Should().Be(ExitCodes.BadOptions, Error);

        Error.Should().Contain(message);
        File.ReadAllBytes(Path.Combine(output, "report.json")).Should().Equal(before, "a rejected setting stops the run before the previous report is moved");
        Directory.Exists(Path.Combine(output, "previous")).Should().BeFalse();
    }

    private static string[] Tiny(string data, string output) =>
        new[] { "--data", data, "--seeds", "2", "--epochs", "2", "--max-epochs", "4", "--width", "3", "--output", output };

    private static ExperimentReport Report(string folder) => ReportWriter.FromJson(File.ReadAllText(Path.Combine(folder, "report.json")));
}
