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
        options.InitScale.Should().Be(1.0);
        DendriteOptions.Default.Should().Be(options);
    }

    [TestCase(0.0)]
    [TestCase(-1.0)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void Validate_BadInitScale_ThrowsNamingItWithTheDefault(double scale)
    {
        var act = () => new DendriteOptions { InitScale = scale }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.Problems.Should().ContainSingle()
            .Which.Should().Match<InvalidOption>(p => p.Name == "InitScale" && p.Rule.Contains("default 1"));
    }

    [Test]
    public void Validate_EveryValueBad_ReportsEveryOneAtOnce()
    {
        var act = () => new DendriteOptions { Activation = (DendriteActivation)99, InitScale = -1 }.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionsType.Should().Be(nameof(DendriteOptions));
        thrown.OptionNames.Should().Equal("Activation", "InitScale");
        thrown.Message.Should().Contain("2 invalid values").And.Contain("Activation = 99").And.Contain("InitScale = -1");
    }
}
