using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Options;

[TestFixture]
public sealed class DendriteOptionsTests
{
    [Test]
    public void Default_IsValidAndMatchesDocumentedValues()
    {
        var options = new DendriteOptions().Validate();

        options.Activation.Should().Be(DendriteActivation.Sigmoid);
        options.Initialization.Should().Be(DendriteInitialization.Normal);
        options.InitScale.Should().Be(0.01);
        options.Projection.Should().Be(DendriteProjection.Auto);
        DendriteOptions.Default.Should().Be(options);
    }

    [Test]
    public void PerforatedAICompatible_Today_EqualsDefault()
    {
        // Its documentation says so; a change to Default that leaves the original behind must update that sentence.
        DendriteOptions.PerforatedAICompatible.Should().Be(DendriteOptions.Default);
    }

    [TestCase(0.0)]
    [TestCase(-1.0)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void Validate_BadInitScale_ThrowsNamingItWithTheDefault(double scale)
    {
        var act = () => new DendriteOptions { InitScale = scale }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.Problems.Should().ContainSingle()
            .Which.Should().Match<InvalidOption>(p => p.Name == "InitScale" && p.Rule.Contains("default 0.01"));
    }

    [Test]
    public void Validate_EveryValueBad_ReportsEveryOneAtOnce()
    {
        var act = () => new DendriteOptions { Activation = (DendriteActivation)99, Initialization = (DendriteInitialization)9, InitScale = -1, Projection = (DendriteProjection)8 }.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionsType.Should().Be(nameof(DendriteOptions));
        thrown.OptionNames.Should().Equal("Activation", "Initialization", "InitScale", "Projection");
        thrown.Message.Should().Contain("4 invalid values").And.Contain("Activation = 99").And.Contain("InitScale = -1");
    }
}
