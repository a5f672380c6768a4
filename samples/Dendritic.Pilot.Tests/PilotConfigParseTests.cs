using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
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

    [TestCase("\"Colour\": \"red\"", "*unknown key 'Colour' in 'Options'; the settings are Model, EncoderTargets, MlpTargets, Seeds, FirstSeed*")]
    [TestCase("\"SeedList\": [1]", "*unknown key 'SeedList'*")]
    [TestCase("\"Seeds\": 0", "*--seeds must be at least 1*")]
    [TestCase("\"Seeds\": 2147483647", "*--seeds must be at most 10000, not 2147483647*")]
    [TestCase("\"Threads\": 2000000000", "*--threads must be at most 1024, not 2000000000*")]
    [TestCase("\"BatchSize\": 2000000000", "*--batch-size must be at most 1048576, not 2000000000*")]
    [TestCase("\"Width\": 70000", "*--width must be at most 65536, not 70000*")]
    [TestCase("\"ValidationFraction\": 1.5", "*--validation-fraction must be a number strictly between 0 and 1, not '1.5'*")]
    [TestCase("\"DendriteInitScale\": -1", "*--dendrite-init-scale must be a number above 0, not '-1'*")]
    [TestCase("\"Device\": \"tpu\"", "*--device must be cpu, cuda or cuda:N*")]
    public void Parse_BadSetting_NamesTheFileAndTheKey(string setting, string expected)
    {
        using var temp = new TempFolder();

        var (parse, path) = ParseSetting(temp, setting);

        parse.Options.Should().BeNull();
        parse.Errors.Should().ContainSingle().Which.Should().Match(expected).And.Contain(path);
    }

    // Every kind of setting: int, double, bool, enum, flags enum, string, and the nullable ones.
    [TestCase("\"Seeds\": \"ten\"", "key 'Options.Seeds' must be a whole number, not the string \"ten\".")]
    [TestCase("\"Seeds\": 2.5", "key 'Options.Seeds' must be a whole number, not the number 2.5.")]
    [TestCase("\"Seeds\": \"10\"", "key 'Options.Seeds' must be a whole number, not the string \"10\" (write it without quotes).")]
    [TestCase("\"Seeds\": 3000000000", "key 'Options.Seeds' must be a whole number from -2147483648 to 2147483647, not the number 3000000000.")]
    [TestCase("\"Seeds\": null", "key 'Options.Seeds' must be a whole number, not null.")]
    [TestCase("\"LearningRate\": \"fast\"", "key 'Options.LearningRate' must be a number, not the string \"fast\".")]
    [TestCase("\"GridIntensity\": true", "key 'Options.GridIntensity' must be a number or null, not true.")]
    [TestCase("\"DendriteInitScale\": [0.1]", "key 'Options.DendriteInitScale' must be a number or null, not a list.")]
    [TestCase("\"Quantize\": \"true\"", "key 'Options.Quantize' must be true or false, not the string \"true\" (write it without quotes).")]
    [TestCase("\"Quantize\": 1", "key 'Options.Quantize' must be true or false, not the number 1.")]
    [TestCase("\"Mode\": \"Sideways\"", "key 'Options.Mode' must be one of Scheduler, SchedulerCascadeCorrelation, Fixed, FixedFrozenHost, Off, not the string \"Sideways\".")]
    [TestCase("\"Model\": 1", "key 'Options.Model' must be one of Mlp, Cnn, Encoder, not the number 1.")]
    [TestCase("\"GrowthRules\": \"Fast\"", "key 'Options.GrowthRules' must be one of Classic, CycleBest, AtPatience, SkipFirst, Thresholds, NormalInit, Original, or several of them in one string separated by commas (\"CycleBest, NormalInit\") or null, not the string \"Fast\".")]
    [TestCase("\"GrowthRules\": \"CycleBest, Bogus\"", "key 'Options.GrowthRules' must be one of Classic, CycleBest, AtPatience, SkipFirst, Thresholds, NormalInit, Original, or several of them in one string separated by commas (\"CycleBest, NormalInit\") or null, not the string \"CycleBest, Bogus\".")]
    [TestCase("\"GrowthRules\": 3", "key 'Options.GrowthRules' must be one of Classic, CycleBest, AtPatience, SkipFirst, Thresholds, NormalInit, Original, or several of them in one string separated by commas (\"CycleBest, NormalInit\") or null, not the number 3.")]
    // Only a [Flags] setting takes several names: System.Text.Json would read "Mlp, Cnn" as Mlp | Cnn, which is Cnn.
    [TestCase("\"Model\": \"Mlp, Cnn\"", "key 'Options.Model' must be one of Mlp, Cnn, Encoder, not the string \"Mlp, Cnn\".")]
    [TestCase("\"Mode\": \"Fixed,Off\"", "key 'Options.Mode' must be one of Scheduler, SchedulerCascadeCorrelation, Fixed, FixedFrozenHost, Off, not the string \"Fixed,Off\".")]
    [TestCase("\"EncoderTargets\": \"AttentionMlp, Mlp\"", "key 'Options.EncoderTargets' must be one of AttentionMlp, Mlp, AllLinear, not the string \"AttentionMlp, Mlp\".")]
    [TestCase("\"Model\": \"Mlp\\u002CCnn\"", "key 'Options.Model' must be one of Mlp, Cnn, Encoder, not the string \"Mlp\\u002CCnn\".")]
    [TestCase("\"Model\": \"\\uD800\"", "key 'Options.Model' must be one of Mlp, Cnn, Encoder, not the string \"\\uD800\".")]
    [TestCase("\"Device\": null", "key 'Options.Device' must be a string, not null.")]
    [TestCase("\"Device\": {}", "key 'Options.Device' must be a string, not an object.")]
    [TestCase("\"DataFolder\": 5", "key 'Options.DataFolder' must be a string or null, not the number 5.")]
    // The quotes hint only where the text without them is a valid value of the type.
    [TestCase("\"Seeds\": \"1.5\"", "key 'Options.Seeds' must be a whole number, not the string \"1.5\".")]
    [TestCase("\"LearningRate\": \"NaN\"", "key 'Options.LearningRate' must be a number, not the string \"NaN\".")]
    [TestCase("\"LearningRate\": \"0.01\"", "key 'Options.LearningRate' must be a number, not the string \"0.01\" (write it without quotes).")]
    [TestCase("\"Quantize\": \" True \"", "key 'Options.Quantize' must be true or false, not the string \" True \".")]
    // A string that cannot be read back as text (a lone surrogate) is shown as the file has it.
    [TestCase("\"Seeds\": \"\\uD800\"", "key 'Options.Seeds' must be a whole number, not the string \"\\uD800\".")]
    public void Parse_SettingOfTheWrongType_NamesTheKeyWhatItMustBeAndWhatItIs(string setting, string expected)
    {
        using var temp = new TempFolder();

        var (parse, path) = ParseSetting(temp, setting);

        parse.Options.Should().BeNull();
        parse.Errors.Should().Equal($"--config '{path}': {expected}");
    }

    [TestCase("{ \"Options\": {}, \"Data\": [], \"Extra\": 1 }", "*unknown key 'Extra'; a config has the keys Format, Options, Data, Recorded, and the settings (Model, EncoderTargets*Quantize) go inside 'Options'.")]
    [TestCase("{ \"Seeds\": 3 }", "*key 'Seeds' is a setting, and the settings go inside 'Options': { \"Format\": \"dendritic-pilot-config/1\", \"Options\": { \"Seeds\": ... }, \"Data\": [] }, as in a report's config.json.")]
    [TestCase("{ \"Seeds\": \"abc\" }", "*key 'Seeds' is a setting, and the settings go inside 'Options'*; and there it must be a whole number, not the string \"abc\".")]
    [TestCase("{ \"Options\": [], \"Data\": [] }", "*key 'Options' must be an object with the keys Model, EncoderTargets*, not a list.")]
    [TestCase("{ \"Options\": {}, \"Data\": {} }", "*key 'Data' must be a list, each item an object with the keys File, Sha256, Bytes, not an object.")]
    [TestCase("{ \"Options\": {}, \"Data\": [ { \"File\": \"a\", \"Sha256\": \"00\", \"Bytes\": \"1\" } ] }", "*key 'Data[0].Bytes' must be a whole number, not the string \"1\" (write it without quotes).")]
    [TestCase("{ \"Options\": {}, \"Data\": [ { \"File\": \"a\", \"Sha256\": \"00\", \"Bytes\": 1, \"Size\": 1 } ] }", "*unknown key 'Size' in 'Data[0]'; the keys there are File, Sha256, Bytes.")]
    [TestCase("{ \"Format\": \"other/9\", \"Options\": {}, \"Data\": [] }", "*key 'Format' is 'other/9'*")]
    [TestCase("{ \"Options\": {} }", "*required key is missing ('Data'); a config needs Options and Data (the data files' SHA-256, or [] to skip that check in a file written by hand), and may give Format.")]
    [TestCase("{ \"Options\": {}, \"Data\": [ { \"File\": \"../etc/passwd\", \"Sha256\": \"00\", \"Bytes\": 1 } ] }", "*plain file name*")]
    [TestCase("{ \"Options\": {}, // comment\n \"Data\": [] }", "*not valid JSON*")]
    [TestCase("[1, 2]", "*wrong type*")]
    [TestCase("{ \"Options\": { \"it's\": 1 }, \"Data\": [] }", "*unknown key 'it's' in 'Options'; the settings are*")]
    [TestCase("{ \"Options\": {}, \"Data\": [ { \"File\": \"a\", \"Bytes\": 1 } ] }", "*a required key is missing in 'Data[0]' ('Sha256'); the keys there are File, Sha256, Bytes.")]
    [TestCase("{ \"Options\": {},\n  \"Data\": [,] }", "*not valid JSON at line 2, column 12: ',' is an invalid start of a value.*")]
    [TestCase("{ \"Seeds\": \"\\uDC00x\" }", "*key 'Seeds' is a setting, and the settings go inside 'Options'*")]
    [TestCase("{ \"Options\": { \"Seeds\": 3,\n \"Seeds\": 10 }, \"Data\": [] }", "*key 'Options.Seeds' is given twice (the second time at line 2); keep the one you mean.")]
    [TestCase("{ \"Format\": \"a\", \"Format\": \"b\", \"Options\": {}, \"Data\": [] }", "*key 'Format' is given twice (the second time at line 1); keep the one you mean.")]
    [TestCase("{ \"Options\": {}, \"Data\": [ { \"File\": \"a\", \"File\": \"b\", \"Sha256\": \"00\", \"Bytes\": 1 } ] }", "*key 'Data[0].File' is given twice*")]
    // Found by fuzzing config.json: a null item of Data passed the reader and threw NullReferenceException out of Parse.
    [TestCase("{ \"Options\": {}, \"Data\": [ null ] }", "*key 'Data' lists null where a data file (File, Sha256, Bytes) belongs.")]
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
    public void Parse_ConfigFollowedByAFlag_SaysItNeedsAFile()
    {
        var parse = PilotCommandLine.Parse(new[] { "--config", "-o", "x" });

        parse.Errors.Should().ContainSingle().Which.Should().Contain("--config needs a file");
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
    public void Parse_EndlessDevice_IsRefusedWithoutReadingIt()
    {
        Assume.That(File.Exists("/dev/zero"), "needs a device file without a length");

        var parse = PilotCommandLine.Parse(new[] { "--config", "/dev/zero" });

        parse.Errors.Should().ContainSingle().Which.Should().Contain("--config '/dev/zero' has 0 bytes");
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Parse_UnreadableFile_SaysItCannotBeRead()
    {
        // UnauthorizedAccessException (no read permission) escaped the parse, which runs outside the pilot's error
        // handling, as a stack trace; only IOException was caught.
        Assume.That(!OperatingSystem.IsWindows(), "needs Unix file modes");
        using var temp = new TempFolder();
        var path = WriteConfig(temp, new PilotOptions());
        File.SetUnixFileMode(path, UnixFileMode.None);
        try
        {
            Assume.That(Unreadable(path), "needs a user whose reads the file mode stops (not root)");

            var parse = PilotCommandLine.Parse(new[] { "--config", path, "-o", temp.File("out") });

            parse.Errors.Should().ContainSingle().Which.Should().StartWith($"--config '{path}' cannot be read: ");
        }
        finally
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        static bool Unreadable(string file)
        {
            try
            {
                File.OpenRead(file).Dispose();
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return true;
            }
        }
    }

    [Test]
    public void Parse_MissingFile_SaysSo()
    {
        var parse = PilotCommandLine.Parse(new[] { "--config", "/nonexistent/config.json" });

        parse.Errors.Should().ContainSingle().Which.Should().Be("--config '/nonexistent/config.json' does not exist.");
    }

    [Test]
    public void Parse_ConfigIsAFolder_SaysToGiveItsConfigJson()
    {
        // A merged report's folder had been called missing (found in a newcomer's trial).
        using var temp = new TempFolder();

        var parse = PilotCommandLine.Parse(new[] { "--config", temp.Path });

        parse.Errors.Should().ContainSingle().Which.Should().StartWith($"--config '{temp.Path}' is a folder; give the config.json file").And.Contain("sources.json");
    }

    [Test]
    public void Parse_OutputIsTheConfigsOwnFolder_IsRefused()
    {
        using var temp = new TempFolder();
        var path = WriteConfig(temp, new PilotOptions());

        var parse = PilotCommandLine.Parse(new[] { "--config", path, "--output", temp.Path });

        parse.Errors.Should().ContainSingle().Which.Should().Contain("would overwrite the folder of --config");
    }

    [Test]
    public void Parse_ConfigValueStartingWithAt_IsTakenLiterallyNotAsAResponseFile()
    {
        // System.CommandLine reads "@FILE" as more tokens from FILE; a config's values become tokens, so a DataFolder
        // "@FILE" could set anything FILE holds.
        using var temp = new TempFolder();
        var responseFile = temp.File("flags.rsp");
        File.WriteAllText(responseFile, "/from/the/response/file\n--seeds\n3\n");

        var (parse, _) = ParseSetting(temp, "\"DataFolder\": " + JsonSerializer.Serialize("@" + responseFile));

        parse.Errors.Should().BeEmpty();
        parse.Options!.DataFolder.Should().Be("@" + responseFile);
        parse.Options.Seeds.Should().Be(new PilotOptions().Seeds);
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

    /// <summary>Parses <c>--config</c> on a config whose Options hold <paramref name="setting"/> alone.</summary>
    private static (PilotParse Parse, string Path) ParseSetting(TempFolder temp, string setting)
    {
        var path = temp.File("config.json");
        File.WriteAllText(path, "{ \"Format\": \"dendritic-pilot-config/1\", \"Options\": { " + setting + " }, \"Data\": [] }");
        return (PilotCommandLine.Parse(new[] { "--config", path, "-o", temp.File("out") }), path);
    }
}
