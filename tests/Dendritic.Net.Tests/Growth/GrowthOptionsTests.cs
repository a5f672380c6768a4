using System;
using System.Collections.Generic;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Growth;

[TestFixture]
public sealed class GrowthOptionsTests
{
    public static IEnumerable<TestCaseData> BadOptions()
    {
        yield return new TestCaseData(new GrowthOptions { Patience = -1 }, "Patience").SetName("Patience");
        yield return new TestCaseData(new GrowthOptions { Interval = 0 }, "Interval").SetName("Interval");
        yield return new TestCaseData(new GrowthOptions { Cooldown = -1 }, "Cooldown").SetName("Cooldown");
        yield return new TestCaseData(new GrowthOptions { MaxDendrites = -1 }, "MaxDendrites").SetName("MaxDendrites");
        yield return new TestCaseData(new GrowthOptions { MaxRetries = -1 }, "MaxRetries").SetName("MaxRetries");
        yield return new TestCaseData(new GrowthOptions { RelativeThreshold = -0.1 }, "RelativeThreshold").SetName("RelativeThreshold");
        yield return new TestCaseData(new GrowthOptions { AbsoluteThreshold = double.NaN }, "AbsoluteThreshold").SetName("AbsoluteThresholdNaN");
        yield return new TestCaseData(new GrowthOptions { RelativeThresholdByDendrites = Array.Empty<double>() }, "RelativeThresholdByDendrites").SetName("EmptyThresholdList");
        yield return new TestCaseData(new GrowthOptions { AbsoluteThresholdByDendrites = new[] { 0.1, -1 } }, "AbsoluteThresholdByDendrites[1]").SetName("NegativeThresholdInList");
        yield return new TestCaseData(new GrowthOptions { Smoothing = 1.0 }, "Smoothing").SetName("Smoothing");
        yield return new TestCaseData(new GrowthOptions { LearningRateRestartFactor = 0 }, "LearningRateRestartFactor").SetName("RestartFactor");
        yield return new TestCaseData(new GrowthOptions { LowLearningRateThreshold = -1 }, "LowLearningRateThreshold").SetName("LowLearningRateThreshold");
        yield return new TestCaseData(new GrowthOptions { Mode = (ScoreMode)7 }, "Mode").SetName("Mode");
        yield return new TestCaseData(new GrowthOptions { Trigger = (GrowthTrigger)9 }, "Trigger").SetName("Trigger");
        yield return new TestCaseData(new GrowthOptions { BestWeightsDirectory = " " }, "BestWeightsDirectory").SetName("BlankBestWeightsDirectory");
        yield return new TestCaseData(new GrowthOptions { CascadeCorrelation = new CascadeCorrelationOptions { MaxEpochs = 0 } }, "CascadeCorrelation.MaxEpochs").SetName("CandidateMaxEpochs");
        yield return new TestCaseData(new GrowthOptions { CascadeCorrelation = new CascadeCorrelationOptions { LearningRate = 0 } }, "CascadeCorrelation.LearningRate").SetName("CandidateLearningRate");
    }

    [TestCaseSource(nameof(BadOptions))]
    public void Validate_OutOfRange_ThrowsNamingTheValue(GrowthOptions options, string name)
    {
        var act = () => options.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal(name);
    }

    [Test]
    public void Constructor_BadOptions_ThrowsBeforeAnything()
    {
        var act = () => new GrowthScheduler(new FakeGrowthModel(), new GrowthOptions { Patience = -3 }, null);

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("Patience");
    }

    [Test]
    public void Default_IsValidAndMatchesDocumentedValues()
    {
        var options = GrowthOptions.Default.Validate();

        options.Mode.Should().Be(ScoreMode.Maximize);
        options.Trigger.Should().Be(GrowthTrigger.OnPlateau);
        options.Patience.Should().Be(10);
        options.RelativeThreshold.Should().Be(1e-4);
        options.AbsoluteThreshold.Should().Be(0);
        options.Cooldown.Should().Be(0);
        options.MaxDendrites.Should().Be(4);
        options.MaxRetries.Should().Be(2);
        options.Training.Should().Be(DendriteTrainingMode.GradientDescent);
        options.BestWeightsDirectory.Should().BeNull("the best weights stay in memory unless a folder is given");
    }

    [Test]
    public void Constructor_UnwrappedHandle_ThrowsAskingToWrapAgain()
    {
        var handle = Dendrites.Wrap(TorchSharp.torch.nn.Sequential(("fc", TorchSharp.torch.nn.Linear(2, 2))));
        handle.Unwrap();

        var act = () => new GrowthScheduler(handle);

        act.Should().Throw<InvalidOperationException>().WithMessage("This model has been unwrapped; wrap it again (or adopt it, for a model built with DendriteLayers) to get a new handle.");
    }

    [Test]
    public void Step_ThresholdListClearedAfterTheSchedulerWasBuilt_UsesTheThresholdsItWasBuiltWith()
    {
        // Validated once, read at every Step: the options keep a copy, so the caller's list is theirs to change.
        var thresholds = new List<double> { 0.5 };
        var scheduler = new GrowthScheduler(new FakeGrowthModel(), new GrowthOptions { RelativeThresholdByDendrites = thresholds, FirstScoreIsBest = true }, null);
        thresholds.Clear();

        scheduler.Step(1.0);
        var decision = scheduler.Step(1.2);

        decision.IsNewBest.Should().BeFalse("+20 % is under the 50 % the options were built with");
        decision.BestScore.Should().Be(1.0);
        scheduler.Options.RelativeThresholdByDendrites.Should().Equal(0.5);
    }

    [Test]
    public void ThresholdLists_SetFromAnArray_AreCopiesThatCannotBeChangedAndCompareByElements()
    {
        var array = new[] { 1e-3, 1e-4 };
        var options = new GrowthOptions { RelativeThresholdByDendrites = array, AbsoluteThresholdByDendrites = array };
        array[0] = 7;

        options.RelativeThresholdByDendrites.Should().Equal(1e-3, 1e-4);
        options.AbsoluteThresholdByDendrites.Should().Equal(1e-3, 1e-4);
        options.RelativeThresholdByDendrites.Should().NotBeAssignableTo<ICollection<double>>("a cast must not reach a writable list");
        options.Should().Be(new GrowthOptions { RelativeThresholdByDendrites = new List<double> { 1e-3, 1e-4 }, AbsoluteThresholdByDendrites = [1e-3, 1e-4] });
        options.Should().NotBe(new GrowthOptions { RelativeThresholdByDendrites = [1e-3], AbsoluteThresholdByDendrites = [1e-3, 1e-4] });
        (options with { Patience = 3 }).RelativeThresholdByDendrites.Should().BeSameAs(options.RelativeThresholdByDendrites, "a copy is copied only once");
        new GrowthOptions { RelativeThresholdByDendrites = null }.RelativeThresholdByDendrites.Should().BeNull();
    }
}
