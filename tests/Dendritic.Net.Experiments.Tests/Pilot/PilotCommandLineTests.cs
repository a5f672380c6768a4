using System;
using Dendritic.Pilot;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Pilot;

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
            "--seeds", "2", "--first-seed", "7", "--epochs", "3", "--growth-epochs", "4", "--patience", "0", "--max-dendrites", "3", "--max-epochs", "30", "--width", "12", "--dendrite-mode", "off",
            "--dendrite-sets", "2", "--device", "CUDA:1", "--data", "/d", "-o", "/o", "--batch-size", "16", "--learning-rate", "0.01",
            "--validation-fraction", "0.2", "--grid-intensity", "300", "--threads", "2",
        });

        parse.Errors.Should().BeEmpty();
        parse.Options.Should().Be(new PilotOptions
        {
            Seeds = 2, FirstSeed = 7, Epochs = 3, GrowthEpochs = 4, Patience = 0, MaxDendrites = 3, MaxEpochs = 30, Width = 12, Mode = DendriteMode.Off, DendriteSets = 2, Device = "cuda:1",
            DataFolder = "/d", OutputFolder = "/o", BatchSize = 16, LearningRate = 0.01, ValidationFraction = 0.2, GridIntensity = 300, Threads = 2,
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
    [TestCase("--learning-rate", "fast", "*--learning-rate must be a number above 0, not 'fast'*")]
    public void Parse_BadValue_ReportsClearError(string option, string value, string message)
    {
        var parse = PilotCommandLine.Parse(new[] { option, value });

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
    public void Parse_UnknownOption_ReportsIt()
    {
        var parse = PilotCommandLine.Parse(new[] { "--bogus" });

        parse.Options.Should().BeNull();
        parse.Errors.Should().ContainMatch("*--bogus*");
    }

    [Test]
    public void Parse_Help_IsFlaggedNotAnError()
    {
        var parse = PilotCommandLine.Parse(new[] { "--help" });

        parse.HelpOrVersion.Should().BeTrue();
        parse.Errors.Should().BeEmpty();
        parse.Options.Should().BeNull();
    }
}
