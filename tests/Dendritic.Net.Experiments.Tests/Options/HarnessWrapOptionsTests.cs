using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Options;

[TestFixture]
public sealed class HarnessWrapOptionsTests
{
    [Test]
    public void Default_IsValidAndMatchesWrapOptionsDefaults()
    {
        var options = HarnessWrapOptions.Default.Validate();

        options.Targets.Should().BeSameAs(WrapOptions.Default.Targets);
        options.Dendrite.Should().BeSameAs(WrapOptions.Default.Dendrite);
        options.AllowHooks.Should().Be(WrapOptions.Default.AllowHooks);
        options.ModuleHosts.Should().BeEmpty();
    }

    [Test]
    public void Validate_NullMembersAndBadDendrite_ReportsEachAtOnce()
    {
        var options = new HarnessWrapOptions { Targets = null!, Dendrite = new DendriteOptions { InitScale = -1 }, ModuleHosts = new ModuleHost[] { null! } };

        var act = () => options.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionsType.Should().Be("HarnessWrapOptions");
        thrown.OptionNames.Should().Equal("Targets", "Dendrite.InitScale", "ModuleHosts");
    }

    [Test]
    public void Validate_BadValues_ReportsWrapOptionsOwnRulesUnderTheSameNames()
    {
        // One set of rules: the harness checks the WrapOptions it builds, so each problem reads as WrapOptions' would.
        var dendrite = new DendriteOptions { InitScale = double.PositiveInfinity, Activation = (DendriteActivation)99 };
        var harness = new HarnessWrapOptions { Targets = null!, Dendrite = dendrite, ModuleHosts = new ModuleHost[] { null! } };
        var wrap = new WrapOptions { Targets = null!, InitialDendrites = 0, Dendrite = dendrite, ModuleHosts = new ModuleHost[] { null! } };

        var fromHarness = FluentActions.Invoking(() => harness.Validate()).Should().Throw<InvalidOptionsException>().Which;
        var fromWrap = FluentActions.Invoking(() => wrap.Validate()).Should().Throw<InvalidOptionsException>().Which;

        fromHarness.Problems.Should().Equal(fromWrap.Problems);
        fromHarness.OptionNames.Should().Equal("Targets", "Dendrite.Activation", "Dendrite.InitScale", "ModuleHosts");
    }

    [Test]
    public void Validate_NullDendriteAndModuleHosts_ReportsEachWithItsDefault()
    {
        var act = () => new HarnessWrapOptions { Dendrite = null!, ModuleHosts = null! }.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal("Dendrite", "ModuleHosts");
        thrown.Message.Should().Contain("DendriteOptions.Default").And.NotContain("Logger").And.NotContain("InitialDendrites");
    }

    [Test]
    public void ToWrapOptions_AnyValues_KeepsThemWithNoInitialDendritesAndTheGivenLogger()
    {
        var options = new HarnessWrapOptions { Targets = LayerSelector.Named("hidden"), AllowHooks = false };
        var logger = NullLogger<HarnessWrapOptionsTests>.Instance;

        var wrap = options.ToWrapOptions(logger);

        wrap.Should().Be(new WrapOptions { Targets = options.Targets, InitialDendrites = 0, Dendrite = options.Dendrite, AllowHooks = false, ModuleHosts = options.ModuleHosts, Logger = logger });
    }
}
