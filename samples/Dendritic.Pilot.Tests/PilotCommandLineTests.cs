using System;
using System.IO;
using Dendritic.Pilot;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Pilot.Tests;

[TestFixture]
public sealed class PilotCommandLineTests
{
    [Test]
    public void Parse_NoArguments_GivesDefaults()
    {
        var parse = PilotCommandLine.Parse(Array.Empty<string>());

        parse.Errors.Should().BeEmpty();
        parse.Options.Should().Be(new PilotOptions());
    }

    [Test]
    public void Parse_EveryOption_IsBound()
    {
        var parse = PilotCommandLine.Parse(new[]
        {
            "--seeds", "2", "--first-seed", "7", "--epochs", "3", "--growth-epochs", "4", "--patience", "0", "--growth-rules", "classic", "--dendrite-activation", "tanh", "--dendrite-init-scale", "0.1", "--max-dendrites", "3", "--max-epochs", "30", "--width", "12", "--dendrite-mode", "off",
            "--dendrite-sets", "2", "--device", "CUDA:1", "--data", "/d", "-o", "/o", "--batch-size", "16", "--learning-rate", "0.01",
            "--validation-fraction", "0.2", "--grid-intensity", "300", "--threads", "2", "--model", "encoder", "--encoder-targets", "mlp",
        });

        parse.Errors.Should().BeEmpty();
        parse.Options.Should().Be(new PilotOptions
        {
            Seeds = 2, FirstSeed = 7, Epochs = 3, GrowthEpochs = 4, Patience = 0, GrowthRules = GrowthRuleSet.Classic, DendriteActivation = DendriteActivation.Tanh, DendriteInitScale = 0.1, MaxDendrites = 3, MaxEpochs = 30, Width = 12, Mode = DendriteMode.Off, DendriteSets = 2, Device = "cuda:1",
            DataFolder = "/d", OutputFolder = "/o", BatchSize = 16, LearningRate = 0.01, ValidationFraction = 0.2, GridIntensity = 300, Threads = 2,
            Model = PilotModel.Encoder, EncoderTargets = EncoderTargets.Mlp,
        });
        parse.Options!.SeedList.Should().Equal(7, 8);
    }

    [TestCase("--seeds", "0", "*--seeds must be at least 1*")]
    [TestCase("--epochs", "-3", "*--epochs must be at least 1*")]
    [TestCase("--width", "abc", "*--width must be a whole number, not 'abc'*")]
    [TestCase("--device", "tpu", "*--device must be cpu, cuda or cuda:N*")]
    [TestCase("--dendrite-mode", "maybe", "*--dendrite-mode must be one of scheduler, scheduler-cc, fixed, fixed-frozen-host, off, not 'maybe'*")]
    [TestCase("--learning-rate", "0", "*--learning-rate must be a number above 0, not '0'*")]
    [TestCase("--validation-fraction", "1", "*strictly between 0 and 1*")]
    [TestCase("--patience", "-1", "*--patience must be at least 0*")]
    [TestCase("--grid-intensity", "-5", "*--grid-intensity must be 0 or more grams per kWh*")]
    [TestCase("--dendrite-init-scale", "0", "*--dendrite-init-scale must be a number above 0, not '0'*")]
    [TestCase("--dendrite-activation", "relu", "*--dendrite-activation must be one of sigmoid, tanh, hardsigmoid, not 'relu'*")]
    [TestCase("--learning-rate", "fast", "*--learning-rate must be a number above 0, not 'fast'*")]
    [TestCase("--width", "65537", "*--width must be at most 65536, not 65537*")]
    [TestCase("--seeds", "2147483647", "--seeds must be at most 10000, not 2147483647.")]
    [TestCase("--seeds", "10001", "--seeds must be at most 10000, not 10001.")]
    [TestCase("--threads", "2000000000", "--threads must be at most 1024, not 2000000000.")]
    [TestCase("--batch-size", "2000000000", "--batch-size must be at most 1048576, not 2000000000.")]
    [TestCase("--first-seed", "2147483647", "*--first-seed 2147483647 with --seeds 10 runs past the largest seed*")]
    [TestCase("--model", "Mlp,Cnn", "*--model must be one of mlp, cnn, encoder, not 'Mlp,Cnn'*")]
    [TestCase("--encoder-targets", "AttentionMlp, Mlp", "*--encoder-targets must be one of attention-mlp, mlp, all-linear, not 'AttentionMlp, Mlp'*")]
    [TestCase("--growth-rules", "cycle-best,newest", "*--growth-rules must be default, or a comma-separated list of classic, original, cycle-best*'newest' is none of them*")]
    public void Parse_BadValue_ReportsClearError(string option, string value, string message)
    {
        var parse = PilotCommandLine.Parse(new[] { option, value });

        parse.Options.Should().BeNull();
        parse.Errors.Should().ContainMatch(message);
    }

    [Test]
    public void Parse_LargestSeedsThreadsAndBatchSize_AreAccepted()
    {
        var parse = PilotCommandLine.Parse(new[] { "--seeds", "10000", "--first-seed", "-5", "--threads", "1024", "--batch-size", "1048576" });

        parse.Errors.Should().BeEmpty();
        (parse.Options!.Seeds, parse.Options.Threads, parse.Options.BatchSize).Should().Be((10000, 1024, 1048576));
        parse.Options.SeedList.Should().HaveCount(10000).And.StartWith(-5).And.EndWith(9994);
    }

    [Test]
    public void Parse_FirstSeedWithMostSeeds_StillReportsRunningPastTheLargestSeed()
    {
        var parse = PilotCommandLine.Parse(new[] { "--first-seed", "2147480000", "--seeds", "10000" });

        parse.Options.Should().BeNull();
        parse.Errors.Should().Equal("--first-seed 2147480000 with --seeds 10000 runs past the largest seed, 2147483647.");
    }

    [Test]
    public void Parse_OptionsOfTheOtherMode_AreNotedAsIgnored()
    {
        var fixedRun = PilotCommandLine.Parse(new[] { "--dendrite-mode", "fixed", "--patience", "7", "--max-dendrites", "5" });
        var schedulerRun = PilotCommandLine.Parse(new[] { "--growth-epochs", "4" });
        var plain = PilotCommandLine.Parse(new[] { "--patience", "7" });

        fixedRun.Options.Should().NotBeNull();
        fixedRun.Notes.Should().Equal("--patience does not apply to --dendrite-mode fixed; it is ignored.", "--max-dendrites does not apply to --dendrite-mode fixed; it is ignored.");
        schedulerRun.Notes.Should().ContainSingle().Which.Should().StartWith("--growth-epochs does not apply to --dendrite-mode scheduler");
        plain.Notes.Should().BeEmpty();
    }

    [Test]
    public void Parse_MaxEpochsBelowEpochsWithTheScheduler_ReportsThatTheArmsWouldTrainLessThanTheBaseline()
    {
        var parse = PilotCommandLine.Parse(new[] { "--epochs", "5", "--max-epochs", "2" });

        parse.Options.Should().BeNull();
        parse.Errors.Should().ContainMatch("*--max-epochs (2) must be at least --epochs (5)*less than the baseline*");
        PilotCommandLine.Parse(new[] { "--epochs", "5", "--max-epochs", "2", "--dendrite-mode", "fixed" }).Errors.Should().BeEmpty("the fixed modes do not use --max-epochs");
    }

    [TestCase("encoder", PilotModel.Encoder)]
    [TestCase("CNN", PilotModel.Cnn)]
    [TestCase("mlp", PilotModel.Mlp)]
    public void Parse_Model_GivesThatModelsDefaults(string token, PilotModel model)
    {
        var parse = PilotCommandLine.Parse(new[] { "--model", token });

        parse.Errors.Should().BeEmpty();
        parse.Options.Should().Be(PilotOptions.ForModel(model));
    }

    [Test]
    public void Parse_EncoderWithGivenSettings_KeepsThemOverTheModelsDefaults()
    {
        var parse = PilotCommandLine.Parse(new[] { "--model", "encoder", "--width", "24", "--epochs", "3", "--max-epochs", "9", "--learning-rate", "0.01", "--encoder-targets", "all-linear" });

        parse.Errors.Should().BeEmpty();
        parse.Options.Should().Be(PilotOptions.ForModel(PilotModel.Encoder) with { Width = 24, Epochs = 3, MaxEpochs = 9, LearningRate = 0.01, EncoderTargets = EncoderTargets.AllLinear });
    }

    [Test]
    public void Parse_EnumNamesAndDefaultTargetsWithMlp_AreAccepted()
    {
        var parse = PilotCommandLine.Parse(new[] { "--model", "Mlp", "--encoder-targets", "AttentionMlp", "--dendrite-mode", "FixedFrozenHost" });

        parse.Errors.Should().BeEmpty();
        parse.Options.Should().Be(new PilotOptions { Mode = DendriteMode.FixedFrozenHost });
    }

    [TestCase("all", MlpTargets.All)]
    [TestCase("hidden", MlpTargets.Hidden)]
    [TestCase("output", MlpTargets.Output)]
    public void Parse_MlpTargets_IsBound(string name, MlpTargets expected)
    {
        var parse = PilotCommandLine.Parse(new[] { "--mlp-targets", name });

        parse.Errors.Should().BeEmpty();
        parse.Options.Should().Be(new PilotOptions { MlpTargets = expected });
    }

    [Test]
    public void Parse_TargetsWithDendritesOff_NotesThatTheyAreIgnored()
    {
        var parse = PilotCommandLine.Parse(new[] { "--mlp-targets", "hidden", "--dendrite-mode", "off" });

        parse.Errors.Should().BeEmpty();
        parse.Notes.Should().Equal("--mlp-targets does not apply to --dendrite-mode off; it is ignored.");
    }

    [Test]
    public void Version_OfThePilot_IsTheLibrarys()
    {
        typeof(PilotOptions).Assembly.GetName().Version.Should().Be(typeof(DendriteLayer).Assembly.GetName().Version);
    }

    [Test]
    public void ForModel_Mlp_IsTheReadmesDefaults() => PilotOptions.ForModel(PilotModel.Mlp).Should().Be(new PilotOptions());

    [TestCase(new[] { "--model", "transformer" }, "*--model must be one of mlp, cnn, encoder, not 'transformer'*")]
    [TestCase(new[] { "--model" }, "*--model*")]
    [TestCase(new[] { "--model", "encoder", "--encoder-targets", "qkv" }, "*--encoder-targets must be one of attention-mlp, mlp, all-linear, not 'qkv'*")]
    [TestCase(new[] { "--encoder-targets", "mlp" }, "*--encoder-targets applies to --model encoder only, not --model mlp*")]
    [TestCase(new[] { "--model", "encoder", "--quantize" }, "*--quantize does not work with --model encoder*")]
    [TestCase(new[] { "--model", "cnn", "--encoder-targets", "mlp" }, "*--encoder-targets applies to --model encoder only, not --model cnn*")]
    [TestCase(new[] { "--mlp-targets", "first" }, "*--mlp-targets must be one of all, hidden, output, not 'first'*")]
    [TestCase(new[] { "--model", "cnn", "--mlp-targets", "hidden" }, "*--mlp-targets applies to --model mlp only, not --model cnn*")]
    [TestCase(new[] { "--model", "encoder", "--mlp-targets", "output" }, "*--mlp-targets applies to --model mlp only, not --model encoder*")]
    public void Parse_BadModelOptions_ReportsClearError(string[] args, string message)
    {
        var parse = PilotCommandLine.Parse(args);

        parse.Options.Should().BeNull();
        parse.Errors.Should().ContainMatch(message);
    }

    [TestCase("scheduler", DendriteMode.Scheduler)]
    [TestCase("scheduler-cc", DendriteMode.SchedulerCascadeCorrelation)]
    [TestCase("fixed", DendriteMode.Fixed)]
    [TestCase("Fixed-Frozen-Host", DendriteMode.FixedFrozenHost)]
    [TestCase("off", DendriteMode.Off)]
    public void Parse_DendriteMode_AcceptsEachName(string token, DendriteMode expected) =>
        PilotCommandLine.Parse(new[] { "--dendrite-mode", token }).Options!.Mode.Should().Be(expected);

    [Test]
    public void Parse_ValueStartingWithAt_IsTakenLiterally()
    {
        using var temp = new TempFolder();
        var responseFile = temp.File("flags.rsp");
        File.WriteAllText(responseFile, "/from/the/response/file\n");

        var parse = PilotCommandLine.Parse(new[] { "--data", "@" + responseFile });

        parse.Errors.Should().BeEmpty();
        parse.Options!.DataFolder.Should().Be("@" + responseFile);
    }

    [Test]
    public void Parse_ResponseFile_IsNotExpanded()
    {
        // The pilot has no @FILE syntax: flags come from the command line or --config, whose values are checked.
        using var temp = new TempFolder();
        var responseFile = temp.File("flags.rsp");
        File.WriteAllText(responseFile, "--seeds\n3\n");

        var parse = PilotCommandLine.Parse(new[] { "@" + responseFile });

        parse.Options.Should().BeNull();
        parse.Errors.Should().ContainMatch("*'@" + responseFile + "'*");
    }

    [Test]
    public void Parse_UnknownOption_ReportsIt()
    {
        var parse = PilotCommandLine.Parse(new[] { "--bogus" });

        parse.Options.Should().BeNull();
        parse.Errors.Should().ContainMatch("*--bogus*");
    }

    [TestCase(new[] { "--sedes", "3" }, "unknown option '--sedes'; did you mean --seeds?")]
    [TestCase(new[] { "--sedes=3" }, "unknown option '--sedes=3'; did you mean --seeds?")]
    [TestCase(new[] { "--epochs", "3", "--quantise" }, "unknown option '--quantise'; did you mean --quantize?")]
    [TestCase(new[] { "--colour", "red" }, "unknown option '--colour'.")]
    public void Parse_MistypedFlagWithItsValue_GivesOneErrorNamingTheFlag(string[] args, string message)
    {
        var parse = PilotCommandLine.Parse(args);

        parse.Options.Should().BeNull();
        parse.Errors.Should().Equal(message);
    }

    [Test]
    public void Parse_StrayValue_IsNamedAsAValue()
    {
        var parse = PilotCommandLine.Parse(new[] { "--seeds", "3", "4", "--epochs", "0" });

        parse.Errors.Should().HaveCount(2).And.Contain("unexpected argument '4': a value must follow its option (as in --seeds 3).")
            .And.ContainMatch("*--epochs must be at least 1*");
    }

    [TestCase(new[] { "--seeds", "2", "--seeds", "3" }, "--seeds was given twice; give it once.")]
    [TestCase(new[] { "-o", "a", "--output", "b" }, "--output was given twice; give it once.")]
    [TestCase(new[] { "--model", "cnn", "--model", "mlp", "--model", "cnn" }, "--model was given 3 times; give it once.")]
    [TestCase(new[] { "--growth-rules", "classic", "--epochs", "0", "--growth-rules", "original" }, "--growth-rules was given twice; give it once.")]
    public void Parse_OptionGivenTwice_SaysSo(string[] args, string message)
    {
        var parse = PilotCommandLine.Parse(args);

        parse.Options.Should().BeNull();
        parse.Errors.Should().Contain(message).And.NotContainMatch("*expects a single argument*");
    }

    [Test]
    public void Parse_OptionGivenTwiceWithAnotherError_ReportsBoth()
    {
        var parse = PilotCommandLine.Parse(new[] { "--seeds", "2", "--epochs", "0", "--seeds", "3" });

        parse.Errors.Should().HaveCount(2).And.Contain("--seeds was given twice; give it once.").And.ContainMatch("*--epochs must be at least 1*");
    }

    [Test]
    public void Parse_Help_IsFlaggedNotAnError()
    {
        var parse = PilotCommandLine.Parse(new[] { "--help" });

        parse.HelpOrVersion.Should().BeTrue();
        parse.Errors.Should().BeEmpty();
        parse.Options.Should().BeNull();
    }

    [TestCase("default", null)]
    [TestCase("original", GrowthRuleSet.Original)]
    [TestCase("classic", GrowthRuleSet.Classic)]
    [TestCase("cycle-best", GrowthRuleSet.CycleBest)]
    [TestCase("Cycle-Best,normal-init", GrowthRuleSet.CycleBest | GrowthRuleSet.NormalInit)]
    public void Parse_GrowthRules_AreBound(string value, GrowthRuleSet? expected)
    {
        var parse = PilotCommandLine.Parse(new[] { "--growth-rules", value });

        parse.Errors.Should().BeEmpty();
        parse.Options!.GrowthRules.Should().Be(expected);
        GrowthRules.Describe(expected).Should().Be(value.ToLowerInvariant());
    }

    [Test]
    public void Parse_AtPatienceWithZeroPatience_ReportsClearError()
    {
        var parse = PilotCommandLine.Parse(new[] { "--growth-rules", "original", "--patience", "0" });

        parse.Options.Should().BeNull();
        parse.Errors.Should().ContainMatch("*--patience must be at least 1 with these growth rules*");
    }

    [Test]
    public void DendritesFor_ActivationAndScale_OverrideTheRulesOwn()
    {
        var classic = new PilotOptions { GrowthRules = GrowthRuleSet.Classic, DendriteActivation = DendriteActivation.Tanh };
        var scaled = new PilotOptions { DendriteInitScale = 0.1 };
        var fixedMode = new PilotOptions { Mode = DendriteMode.Fixed, GrowthRules = GrowthRuleSet.Classic };

        GrowthRules.DendritesFor(new PilotOptions()).Should().Be(new DendriteOptions());
        GrowthRules.DendritesFor(classic).Should().Be(GrowthRules.Dendrites(GrowthRuleSet.Classic) with { Activation = DendriteActivation.Tanh });
        GrowthRules.DendritesFor(scaled).Should().Be(new DendriteOptions { InitScale = 0.1 });
        GrowthRules.DendritesFor(fixedMode).Should().Be(new DendriteOptions(), "fixed modes do not use the growth rules");
    }

    [Test]
    public void GrowthRules_Original_IsTheLibrarysPerforatedAIPreset()
    {
        var options = GrowthRules.Options(GrowthRuleSet.Original);
        var preset = GrowthOptions.PerforatedAICompatible;

        (options.PlateauAtPatience, options.PatienceAgainstCycleBest, options.FirstScoreIsBest, options.AbsoluteThreshold).Should().Be((preset.PlateauAtPatience, preset.PatienceAgainstCycleBest, preset.FirstScoreIsBest, preset.AbsoluteThreshold));
        options.RelativeThresholdByDendrites.Should().Equal(preset.RelativeThresholdByDendrites);
        GrowthRules.Dendrites(GrowthRuleSet.Original).Should().Be(DendriteOptions.PerforatedAICompatible);
        GrowthRules.Options(null).Should().Be(new GrowthOptions());
    }
}
