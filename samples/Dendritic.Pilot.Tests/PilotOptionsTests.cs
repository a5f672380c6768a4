using System.Globalization;
using Dendritic.Pilot;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Pilot.Tests;

/// <summary>Settings made in code meet the checks the command line and a config file make.</summary>
[TestFixture]
public sealed class PilotOptionsTests
{
    [TestCase(int.MaxValue, 10, "FirstSeed")]
    [TestCase(2147480000, 10000, "FirstSeed")]
    [TestCase(1, 0, "Seeds")]
    [TestCase(1, -3, "Seeds")]
    [TestCase(1, 10001, "Seeds")]
    [TestCase(int.MaxValue, 0, "Seeds")]
    public void Validate_SeedsTheCommandLineRefuses_ThrowsInvalidOptionsNamingTheSetting(int firstSeed, int seeds, string setting)
    {
        var options = new PilotOptions { FirstSeed = firstSeed, Seeds = seeds };
        var commandLine = PilotCommandLine.Parse(new[] { "--first-seed", Text(firstSeed), "--seeds", Text(seeds) });

        var act = () => options.Validate();

        commandLine.Errors.Should().NotBeEmpty("the command line refuses the same values");
        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal(setting);
    }

    [Test]
    public void Validate_FirstSeedPastTheLargestSeed_SaysHowFarItMayGo()
    {
        var act = () => new PilotOptions { FirstSeed = int.MaxValue, Seeds = 10 }.Validate();

        act.Should().Throw<InvalidOptionsException>().WithMessage("PilotOptions has 1 invalid value: FirstSeed = 2147483647: with Seeds = 10 it runs past the largest seed, 2147483647; at most 2147483638, like --first-seed (default 1).");
    }

    [Test]
    public void Validate_SeedsOutOfRange_SaysTheRange()
    {
        var act = () => new PilotOptions { Seeds = 0 }.Validate();

        act.Should().Throw<InvalidOptionsException>().WithMessage("PilotOptions has 1 invalid value: Seeds = 0: must be 1 to 10000, like --seeds (default 10).");
    }

    [Test]
    public void SeedList_LastSeedIsTheLargest_EndsThere()
    {
        var seeds = new PilotOptions { FirstSeed = int.MaxValue - 2, Seeds = 3 }.Validate().SeedList;

        seeds.Should().Equal(int.MaxValue - 2, int.MaxValue - 1, int.MaxValue);
    }

    [Test]
    public void Validate_EveryModelsDefaults_ReturnsTheSameOptions()
    {
        foreach (var model in System.Enum.GetValues<PilotModel>())
        {
            var options = PilotOptions.ForModel(model);

            options.Validate().Should().BeSameAs(options);
        }
    }

    [Test]
    public void Validate_LargestFirstSeedTheCommandLineAccepts_Passes()
    {
        var parse = PilotCommandLine.Parse(new[] { "--first-seed", Text(int.MaxValue - 9), "--seeds", "10" });

        var act = () => parse.Options!.Validate();

        parse.Errors.Should().BeEmpty();
        act.Should().NotThrow("the command line and Validate share the bound");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
