using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Options;

[TestFixture]
public sealed class PruningOptionsTests
{
    [Test]
    public void Default_IsValidAndMatchesDocumentedValues()
    {
        var options = new PruningOptions().Validate();

        options.Criterion.Should().Be(PruningCriterion.OutputScale);
        options.Granularity.Should().Be(PruningGranularity.Set);
        options.MaxOutputScale.Should().BeNull();
        options.MaxOutputChange.Should().BeNull();
        options.OutputScaleLimit.Should().Be(1e-3, "null means 1e-3, the former Threshold's default");
        options.OutputChangeLimit.Should().Be(1e-3);
    }

    [Test]
    public void Validate_EveryValueBad_ReportsEveryOneAtOnce()
    {
        var act = () => new PruningOptions { Criterion = (PruningCriterion)5, Granularity = (PruningGranularity)6, MaxOutputScale = double.NaN, MaxOutputChange = -1 }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("Criterion", "Granularity", "MaxOutputScale", "MaxOutputChange");
    }

    [TestCase(-1.0)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void Validate_BadMaxOutputScale_ThrowsNamingItWithItsDefault(double value)
    {
        var act = () => new PruningOptions { MaxOutputScale = value }.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal(nameof(PruningOptions.MaxOutputScale));
        thrown.Message.Should().Contain("or null for 0.001 (default null)");
    }

    [TestCase(-1.0)]
    [TestCase(double.NaN)]
    public void Validate_BadMaxOutputChange_ThrowsNamingIt(double value)
    {
        var act = () => new PruningOptions { Criterion = PruningCriterion.MeasuredEffect, MaxOutputChange = value }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal(nameof(PruningOptions.MaxOutputChange));
    }

    [Test]
    public void Validate_EachCriterionWithItsOwnLimit_IsValid()
    {
        new PruningOptions { MaxOutputScale = 0 }.Validate().OutputScaleLimit.Should().Be(0);
        new PruningOptions { Criterion = PruningCriterion.MeasuredEffect, MaxOutputChange = 0.05 }.Validate().OutputChangeLimit.Should().Be(0.05);
    }

    [Test]
    public void Validate_OutputScaleWithMaxOutputChange_ThrowsNamingTheOtherCriterionsLimit()
    {
        var act = () => new PruningOptions { Criterion = PruningCriterion.OutputScale, MaxOutputChange = 0.05 }.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal(nameof(PruningOptions.MaxOutputChange));
        thrown.Message.Should().Contain("applies to Criterion = MeasuredEffect only").And.Contain("set MaxOutputScale instead");
    }

    [Test]
    public void Validate_CriterionChangedWithTheOldLimitKept_ThrowsRatherThanReinterpretingIt()
    {
        var byScale = new PruningOptions { MaxOutputScale = 0.01 };

        var act = () => (byScale with { Criterion = PruningCriterion.MeasuredEffect }).Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal(nameof(PruningOptions.MaxOutputScale));
        thrown.Message.Should().Contain("applies to Criterion = OutputScale only").And.Contain("set MaxOutputChange instead");
    }

    [Test]
    public void Validate_MeasuredEffectPerNeuronWithTheScaleLimit_ReportsBoth()
    {
        var act = () => new PruningOptions { Criterion = PruningCriterion.MeasuredEffect, Granularity = PruningGranularity.Neuron, MaxOutputScale = 0.01 }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal(nameof(PruningOptions.Granularity), nameof(PruningOptions.MaxOutputScale));
    }
}
