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
    public void ToWrapOptions_AnyValues_KeepsThemWithNoInitialDendritesAndTheGivenLogger()
    {
        var options = new HarnessWrapOptions { Targets = LayerSelector.Named("hidden"), AllowHooks = false };
        var logger = NullLogger<HarnessWrapOptionsTests>.Instance;

        var wrap = options.ToWrapOptions(logger);

        wrap.Should().Be(new WrapOptions { Targets = options.Targets, InitialDendrites = 0, Dendrite = options.Dendrite, AllowHooks = false, ModuleHosts = options.ModuleHosts, Logger = logger });
    }
}
