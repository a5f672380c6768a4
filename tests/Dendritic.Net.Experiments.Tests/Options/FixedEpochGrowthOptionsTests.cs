using System;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Options;

[TestFixture]
public sealed class FixedEpochGrowthOptionsTests
{
    [Test]
    public void Default_IsValidAndMatchesDocumentedValues()
    {
        var options = FixedEpochGrowthOptions.Default.Validate();

        options.GrowAfterEpochs.Should().Equal(10);
        options.MaxEpochs.Should().Be(20);
        options.SetsPerStep.Should().Be(1);
        options.FreezeHostOnGrowth.Should().BeFalse();
        options.Wrap.Should().BeSameAs(HarnessWrapOptions.Default);
        options.Should().Be(new FixedEpochGrowthOptions());
    }

    [Test]
    public void Validate_EveryBadValue_ReportsEachOneAtOnce()
    {
        var options = new FixedEpochGrowthOptions
        {
            GrowAfterEpochs = new[] { 0, 4, 3, 5 },
            MaxEpochs = 5,
            SetsPerStep = 0,
            Wrap = new HarnessWrapOptions { Targets = null!, Dendrite = new DendriteOptions { InitScale = double.NaN } },
        };

        var act = () => options.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionsType.Should().Be("FixedEpochGrowthOptions");
        thrown.OptionNames.Should().Equal("GrowAfterEpochs[0]", "GrowAfterEpochs[2]", "GrowAfterEpochs[3]", "SetsPerStep", "Wrap.Targets", "Wrap.Dendrite.InitScale");
        thrown.Message.Should().Contain("GrowAfterEpochs[3] = 5: growth epochs must be strictly increasing and lie in 1..4, before the last of MaxEpochs (5)");
    }

    [Test]
    public void Validate_MaxEpochsBelowOne_ReportsMaxEpochsAndChecksGrowthEpochsAgainstTheirFloorOnly()
    {
        var act = () => new FixedEpochGrowthOptions { GrowAfterEpochs = new[] { 3 }, MaxEpochs = 0 }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("MaxEpochs");
    }

    [Test]
    public void Validate_NullGrowthEpochsAndWrap_ReportsEachWithItsDefault()
    {
        var act = () => new FixedEpochGrowthOptions { GrowAfterEpochs = null!, Wrap = null! }.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal("GrowAfterEpochs", "Wrap");
        thrown.Message.Should().Contain("HarnessWrapOptions.Default");
    }

    [Test]
    public void Validate_NoGrowthEpochs_IsValid()
    {
        var act = () => new FixedEpochGrowthOptions { GrowAfterEpochs = Array.Empty<int>(), MaxEpochs = 1 }.Validate();

        act.Should().NotThrow();
    }

    [Test]
    public void GrowAfterEpochs_CallersArrayChangedAfterwards_ChangesNothing()
    {
        var epochs = new[] { 2, 4 };
        var options = new FixedEpochGrowthOptions { GrowAfterEpochs = epochs };

        epochs[0] = 9;

        options.GrowAfterEpochs.Should().Equal(2, 4);
        options.Should().Be(new FixedEpochGrowthOptions { GrowAfterEpochs = new[] { 2, 4 } }, "the list compares by value");
    }

    [Test]
    public void FixedEpochGrowth_InvalidOptions_ThrowsListingEveryValue()
    {
        var act = () => new FixedEpochGrowth(new FixedEpochGrowthOptions { MaxEpochs = 0, SetsPerStep = 0 });

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("MaxEpochs", "SetsPerStep");
    }
}
