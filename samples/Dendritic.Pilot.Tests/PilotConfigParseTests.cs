using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Dendritic.Experiments.Tests.Support;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Pilot.Tests;

[TestFixture]
public sealed class PilotConfigParseTests
{
    // Every setting away from its default; the test below fails when a new PilotOptions setting is missing here.
    private static readonly PilotOptions Unusual = new()
    {
        Seeds = 2, FirstSeed = 7, Epochs = 3, GrowthEpochs = 4, Patience = 2, GrowthRules = GrowthRuleSet.CycleBest | GrowthRuleSet.NormalInit, DendriteActivation = DendriteActivation.HardSigmoid, DendriteInitScale = 0.05, MaxDendrites = 3, MaxEpochs = 30, Width = 12,
        Mode = DendriteMode.SchedulerCascadeCorrelation, DendriteSets = 2, Device = "cuda:1", DataFolder = "/d", OutputFolder = "/o", BatchSize = 16, LearningRate = 0.01,
        ValidationFraction = 0.2, GridIntensity = 300, Threads = 2, Quantize = true, MlpTargets = MlpTargets.Hidden,
    };

    // The encoder's settings: --quantize does not combine with --model encoder, so they get their own unusual options.
    private static readonly PilotOptions UnusualEncoder = Unusual with { Model = PilotModel.Encoder, EncoderTargets = EncoderTargets.AllLinear, MlpTargets = MlpTargets.All, Quantize = false };

    [Test]
    public void Unusual_EverySettableProperty_DiffersFromItsDefault()
    {
        var defaults = new PilotOptions();
        var same = Settable()
            .Where(p => Equals(p.GetValue(Unusual), p.GetValue(defaults)) && Equals(p.GetValue(UnusualEncoder), p.GetValue(defaults)))
            .Select(p => p.Name);

        same.Should().BeEmpty("every setting must be covered by the round-trip tests; give the new ones a non-default value in Unusual");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Parse_ConfigOfEverySetting_GivesTheSameOptions(bool encoder)
    {
        using var temp = new TempFolder();
        var options = encoder ? UnusualEncoder : Unusual;
        var path = WriteConfig(temp, options);

        var parse = PilotCommandLine.Parse(new[] { "--config", path });

        parse.Errors.Should().BeEmpty();
        parse.Options.Should().Be(options with { OutputFolder = new PilotOptions().OutputFolder }, "the recorded output folder is not reused");
        parse.Config.Should().NotBeNull();
    }

    [Test]
    public void Parse_ConfigWithoutLaterSettings_TakesTheirDefaults()
    {
        // A config.json written before --dendrite-activation and --dendrite-init-scale existed has neither key.
        using var temp = new TempFolder();
        var path = WriteConfig(temp, Unusual);
        var lines = File.ReadAllLines(path).Where(l => !l.Contains("\"DendriteActivation\"", StringComparison.Ordinal) && !l.Contains("\"DendriteInitScale\"", StringComparison.Ordinal)).ToArray();
        lines.Length.Should().Be(File.ReadAllLines(path).Length - 2, "the written file has one line per setting");
        File.WriteAllLines(path, lines);

        var parse = PilotCommandLine.Parse(new[] { "--config", path });

        parse.Errors.Should().BeEmpty();
        parse.Options.Should().Be(Unusual with { OutputFolder = new PilotOptions().OutputFolder, DendriteActivation = DendriteActivation.Sigmoid, DendriteInitScale = null });
    }

    [Test]
    public void Parse_FlagsAfterConfig_ReplaceOnlyTheirSettings()
    {
        using var temp = new TempFolder();
        var path = WriteConfig(temp, Unusual);

        var parse = PilotCommandLine.Parse(new[] { "--config=" + path, "--seeds", "5", "-o", "/elsewhere", "--dendrite-mode", "fixed" });

        parse.Errors.Should().BeEmpty();
        parse.Options.Should().Be(Unusual with { Seeds = 5, OutputFolder = "/elsewhere", Mode = DendriteMode.Fixed });
    }

    [TestCase("--seeds 2 --config c.json")]
    [TestCase("--config a.json --config b.json")]
    public void Parse_ConfigNotFirstOrTwice_ReportsTheRule(string args)
    {
        var parse = PilotCommandLine.Parse(args.Split(' '));

        parse.Options.Should().BeNull();
        parse.Errors.Should().ContainSingle().Which.Should().Contain("--config must come first, and only once");
    }

    [TestCase("\"Seeds\": \"ten\"", "*key 'Options.Seeds'*wrong type*")]
    [TestCase("\"Seeds\": 2.5", "*key 'Options.Seeds'*wrong type*")]
    [TestCase("\"Mode\": \"Sideways\"", "*key 'Options.Mode'*wrong type*")]
    [TestCase("\"Device\": null", "*key 'Options.Device'*")]
    [TestCase("\"Colour\": \"red\"", "*unknown key 'Colour'*Seeds, FirstSeed*")]
    [TestCase("\"SeedList\": [1]", "*unknown key 'SeedList'*")]
    [TestCase("\"Seeds\": 0", "*--seeds must be at least 1*")]
    [TestCase("\"Device\": \"tpu\"", "*--device must be cpu, cuda or cuda:N*")]
    public void Parse_BadSetting_NamesTheFileAndTheKey(string setting, string expected)
    {
        using var temp = new TempFolder();
        var path = temp.File("config.json");
        File.WriteAllText(path, "{ \"Format\": \"dendritic-pilot-config/1\", \"Options\": { " + setting + " }, \"Data\": [] }");

        var parse = PilotCommandLine.Parse(new[] { "--config", path, "-o", temp.File("out") });

        parse.Options.Should().BeNull();
        parse.Errors.Should().ContainSingle().Which.Should().Match(expected).And.Contain(path);
    }

    [TestCase("{ \"Options\": {}, \"Data\": [], \"Extra\": 1 }", "*unknown key 'Extra'*")]
    [TestCase("{ \"Format\": \"other/9\", \"Options\": {}, \"Data\": [] }", "*key 'Format' is 'other/9'*")]
    [TestCase("{ \"Options\": {} }", "*required key is missing*")]
    [TestCase("{ \"Options\": {}, \"Data\": [ { \"File\": \"../etc/passwd\", \"Sha256\": \"00\", \"Bytes\": 1 } ] }", "*plain file name*")]
    [TestCase("{ \"Options\": {}, // comment\n \"Data\": [] }", "*not valid JSON*")]
    [TestCase("[1, 2]", "*wrong type*")]
    public void Parse_BadFile_NamesTheProblem(string text, string expected)
    {
        using var temp = new TempFolder();
        var path = temp.File("config.json");
        File.WriteAllText(path, text);

        var parse = PilotCommandLine.Parse(new[] { "--config", path, "-o", temp.File("out") });

        parse.Options.Should().BeNull();
        parse.Errors.Should().ContainSingle().Which.Should().Match(expected);
    }

    [Test]
    public void Parse_HugeFile_IsRefusedBeforeReading()
    {
        using var temp = new TempFolder();
        var path = temp.File("config.json");
        File.WriteAllText(path, new string(' ', PilotConfigFile.MaxBytes + 1));

        var parse = PilotCommandLine.Parse(new[] { "--config", path });

        parse.Errors.Should().ContainSingle().Which.Should().Contain("a config file is at most");
    }

    [Test]
    public void Parse_EndlessDevice_IsRefusedAfterTheLimit()
    {
        Assume.That(File.Exists("/dev/zero"), "needs a device file without a length");

        var parse = PilotCommandLine.Parse(new[] { "--config", "/dev/zero" });

        parse.Errors.Should().ContainSingle().Which.Should().Contain("larger than");
    }

    [Test]
    public void Parse_MissingFile_SaysSo()
    {
        var parse = PilotCommandLine.Parse(new[] { "--config", "/nonexistent/config.json" });

        parse.Errors.Should().ContainSingle().Which.Should().Be("--config '/nonexistent/config.json' does not exist.");
    }

    [Test]
    public void Parse_OutputIsTheConfigsOwnFolder_IsRefused()
    {
        using var temp = new TempFolder();
        var path = WriteConfig(temp, new PilotOptions());

        var parse = PilotCommandLine.Parse(new[] { "--config", path, "--output", temp.Path });

        parse.Errors.Should().ContainSingle().Which.Should().Contain("would overwrite the folder of --config");
    }

    [TestCase("Seeds", "--seeds")]
    [TestCase("FirstSeed", "--first-seed")]
    [TestCase("Mode", "--dendrite-mode")]
    [TestCase("DataFolder", "--data")]
    [TestCase("OutputFolder", "--output")]
    public void FlagFor_Property_IsItsCommandLineFlag(string property, string flag) => PilotConfigArgs.FlagFor(property).Should().Be(flag);

    private static string WriteConfig(TempFolder temp, PilotOptions options)
    {
        var path = temp.File("config.json");
        PilotConfigFile.Write(path, PilotConfigFile.ToJson(options, Array.Empty<string>(), recorded: null));
        return path;
    }

    private static PropertyInfo[] Settable() => typeof(PilotOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null).ToArray();
}
