using System.Collections.Generic;
using Dendritic.Tests.Support;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;

namespace Dendritic.Tests.Options;

[TestFixture]
public sealed class WrapOptionsTests
{
    [Test]
    public void Default_IsValidAndMatchesDocumentedValues()
    {
        var options = WrapOptions.Default.Validate();

        options.Targets.Should().BeSameAs(LayerSelector.AllSupported);
        options.InitialDendrites.Should().Be(1);
        options.Dendrite.Should().BeSameAs(DendriteOptions.Default);
        options.AllowHooks.Should().BeTrue();
        options.Logger.Should().BeSameAs(NullLogger.Instance);
        options.Should().Be(new WrapOptions());
    }

    [Test]
    public void Validate_NullMembers_ReportsEachWithItsDefault()
    {
        var act = () => new WrapOptions { Targets = null!, Dendrite = null!, Logger = null! }.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal("Targets", "Dendrite", "Logger");
        thrown.Message.Should().Contain("LayerSelector.AllSupported").And.Contain("DendriteOptions.Default").And.Contain("NullLogger.Instance");
    }

    [Test]
    public void Validate_BadValuesHereAndInNestedDendriteOptions_ReportsAllWithPaths()
    {
        var act = () => new WrapOptions { InitialDendrites = -2, Dendrite = new DendriteOptions { InitScale = 0 } }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("InitialDendrites", "Dendrite.InitScale");
    }

    [Test]
    public void Wrap_ModuleHostListClearedAfterTheOptionsWereBuilt_StillUsesTheHost()
    {
        var hosts = new List<ModuleHost> { ModuleHostModels.BlockHost };
        var options = new WrapOptions { Targets = LayerSelector.Named("block"), ModuleHosts = hosts, InitialDendrites = 1 }.Validate();
        hosts.Clear();

        var handle = Dendrites.Wrap(ModuleHostModels.BlockMlp(), options);

        handle.Layers.Should().ContainSingle().Which.Spec.Kind.Should().Be(HostKind.Module);
        options.Should().Be(new WrapOptions { Targets = options.Targets, ModuleHosts = [ModuleHostModels.BlockHost], InitialDendrites = 1 }, "the copies compare by their elements");
    }

    [Test]
    public void Validate_NullModuleHosts_ReportsItWithItsDefault()
    {
        var act = () => new WrapOptions { ModuleHosts = null! }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("ModuleHosts");
    }
}
