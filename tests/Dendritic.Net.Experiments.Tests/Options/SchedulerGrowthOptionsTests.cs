using System;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Experiments.Tests.Options;

[TestFixture]
public sealed class SchedulerGrowthOptionsTests
{
    [Test]
    public void Default_IsValidAndMatchesDocumentedValues()
    {
        var options = SchedulerGrowthOptions.Default.Validate();

        options.Growth.Should().BeSameAs(GrowthOptions.Default);
        options.MaxEpochs.Should().Be(100);
        options.Wrap.Should().BeSameAs(HarnessWrapOptions.Default);
    }

    [Test]
    public void Validate_BadSchedulerValuesHarnessRulesAndOwnValues_ReportsEveryOneAtOnceUnderItsOwnType()
    {
        var options = new SchedulerGrowthOptions
        {
            Growth = new GrowthOptions { Patience = -1, Mode = ScoreMode.Minimize, LearningRateRestartFactor = 0.5, CandidateLosses = Array.Empty<Tensor> },
            MaxEpochs = 0,
            Wrap = new HarnessWrapOptions { ModuleHosts = null! },
        };

        var act = () => options.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionsType.Should().Be("SchedulerGrowthOptions");
        thrown.OptionNames.Should().Equal("Growth.Patience", "Growth.Mode", "Growth.LearningRateRestartFactor", "Growth.CandidateLosses", "MaxEpochs", "Wrap.ModuleHosts");
        thrown.Message.Should().StartWith("SchedulerGrowthOptions has 6 invalid values:").And.Contain("recipe's constant learning rate").And.Contain("GrowthContext.TrainingLosses");
    }

    [Test]
    public void Validate_RestartFactorTheSchedulerRefusesToo_IsReportedOnce()
    {
        var act = () => new SchedulerGrowthOptions { Growth = new GrowthOptions { LearningRateRestartFactor = -1 } }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("Growth.LearningRateRestartFactor");
    }

    [Test]
    public void Validate_CascadeCorrelationWithoutCandidateLosses_IsValid()
    {
        // The harness gives the candidates each run's training losses when the arm begins.
        var act = () => new SchedulerGrowthOptions { Growth = new GrowthOptions { Training = DendriteTrainingMode.CascadeCorrelation } }.Validate();

        act.Should().NotThrow();
    }

    [Test]
    public void Validate_NullGrowthAndWrap_ReportsEachWithItsDefault()
    {
        var act = () => new SchedulerGrowthOptions { Growth = null!, Wrap = null! }.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal("Growth", "Wrap");
        thrown.Message.Should().Contain("GrowthOptions.Default").And.Contain("HarnessWrapOptions.Default");
    }

    [Test]
    public void SchedulerGrowth_MaxEpochs_IsTheOptionsCapForTheRunnersCheck()
    {
        IGrowthPolicy growth = new SchedulerGrowth(new SchedulerGrowthOptions { MaxEpochs = 45 });

        growth.MaxEpochs.Should().Be(45);
    }
}
