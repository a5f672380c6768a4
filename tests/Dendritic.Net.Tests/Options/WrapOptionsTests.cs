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
        var options = new WrapOptions().Validate();

        options.Targets.Should().BeSameAs(LayerSelector.AllSupported);
        options.InitialDendrites.Should().Be(1);
        options.Dendrite.Should().BeSameAs(DendriteOptions.Default);
        options.AllowHooks.Should().BeTrue();
        options.Logger.Should().BeSameAs(NullLogger.Instance);
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
}
