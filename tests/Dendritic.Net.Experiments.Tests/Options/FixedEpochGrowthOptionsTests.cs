using System;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Options;

[TestFixture]
public sealed class FixedEpochGrowthOptionsTests
{
    [Test]
    public void RequiredValuesOnly_IsValidWithTheDocumentedDefaultsForTheRest()
    {
        var options = new FixedEpochGrowthOptions { GrowAfterEpochs = new[] { 10 }, MaxEpochs = 20 }.Validate();

        options.GrowAfterEpochs.Should().Equal(10);
        options.MaxEpochs.Should().Be(20);
        options.SetsPerStep.Should().Be(1);
        options.FreezeHostOnGrowth.Should().BeFalse();
        options.Wrap.Should().BeSameAs(HarnessWrapOptions.Default);
    }

    [Test]
    public void Validate_GrowthEpochAtTheBudget_BlamesTheGrowthEpochNamingMaxEpochsAndNoDefault()
    {
        // The reviewer's case: a budget of 10 with growth after epoch 10. Both are the caller's values now; the message
        // names the one compared with, and no default the caller never set.
        var act = () => new FixedEpochGrowthOptions { GrowAfterEpochs = new[] { 10 }, MaxEpochs = 10 }.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal("GrowAfterEpochs[0]");
        thrown.Message.Should().Contain("GrowAfterEpochs[0] = 10: must be below MaxEpochs (10)").And.Contain("lower this epoch or raise MaxEpochs").And.NotContain("default");
    }

    [Test]
    public void Validate_EveryBadValue_ReportsEachOneAtOnceWithItsOwnRule()
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
        thrown.Message.Should().Contain("GrowAfterEpochs[0] = 0: must be at least 1")
            .And.Contain("GrowAfterEpochs[2] = 3: must be larger than GrowAfterEpochs[1] (4)")
            .And.Contain("GrowAfterEpochs[3] = 5: must be below MaxEpochs (5)")
            .And.Contain("SetsPerStep = 0: must be at least 1 (default 1)");
    }

    [Test]
    public void Validate_MaxEpochsBelowOne_ReportsMaxEpochsAsRequiredAndChecksGrowthEpochsAgainstTheirFloorOnly()
    {
        var act = () => new FixedEpochGrowthOptions { GrowAfterEpochs = new[] { 3 }, MaxEpochs = 0 }.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal("MaxEpochs");
        thrown.Message.Should().Contain("MaxEpochs = 0: must be at least 1 (required, no default");
    }

    [Test]
    public void Validate_NullGrowthEpochsAndWrap_ReportsEachSayingWhatToGive()
    {
        var act = () => new FixedEpochGrowthOptions { GrowAfterEpochs = null!, MaxEpochs = 4, Wrap = null! }.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal("GrowAfterEpochs", "Wrap");
        thrown.Message.Should().Contain("GrowAfterEpochs = null: must be set (required, no default").And.Contain("HarnessWrapOptions.Default");
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
        var options = new FixedEpochGrowthOptions { GrowAfterEpochs = epochs, MaxEpochs = 6 };

        epochs[0] = 9;

        options.GrowAfterEpochs.Should().Equal(2, 4);
        options.Should().Be(new FixedEpochGrowthOptions { GrowAfterEpochs = new[] { 2, 4 }, MaxEpochs = 6 }, "the list compares by value");
    }

    [Test]
    public void FixedEpochGrowth_InvalidOptions_ThrowsListingEveryValue()
    {
        var act = () => new FixedEpochGrowth(new FixedEpochGrowthOptions { GrowAfterEpochs = Array.Empty<int>(), MaxEpochs = 0, SetsPerStep = 0 });

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("MaxEpochs", "SetsPerStep");
    }

    [Test]
    public void FixedEpochGrowth_NullOptions_ThrowsArgumentNull()
    {
        var act = () => new FixedEpochGrowth(null!);

        act.Should().Throw<ArgumentNullException>().WithParameterName("options");
    }

    [Test]
    public void FixedEpochGrowth_MaxEpochs_IsTheOptionsBudgetForTheRunnersCheck()
    {
        IGrowthPolicy growth = new FixedEpochGrowth(new FixedEpochGrowthOptions { GrowAfterEpochs = new[] { 15 }, MaxEpochs = 30 });

        growth.MaxEpochs.Should().Be(30);
    }
}
