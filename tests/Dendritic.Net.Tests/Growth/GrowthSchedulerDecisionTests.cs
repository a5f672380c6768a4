using System;
using System.Collections.Generic;
using System.Linq;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using static Dendritic.GrowthReason;

namespace Dendritic.Tests.Growth;

[TestFixture]
public sealed class GrowthSchedulerDecisionTests
{
    private static (List<GrowthDecision> Decisions, FakeGrowthModel Model, GrowthScheduler Scheduler) Run(GrowthOptions options, params double[] scores)
    {
        var model = new FakeGrowthModel();
        var scheduler = new GrowthScheduler(model, options with { CandidateLosses = () => Array.Empty<TorchSharp.torch.Tensor>() }, null);
        var decisions = new List<GrowthDecision>();
        foreach (var score in scores)
        {
            if (scheduler.IsCompleted)
            {
                break;
            }

            model.Train();
            decisions.Add(scheduler.Step(score));
        }

        return (decisions, model, scheduler);
    }

    private static GrowthReason[] Reasons(IEnumerable<GrowthDecision> decisions) => decisions.Select(d => d.Reason).ToArray();

    [Test]
    public void ToString_Decision_IsOneLineWithCountsNotListTypes()
    {
        var decision = new GrowthDecision
        {
            Action = GrowthAction.DendritesAdded, Reason = Grew, Validation = 9, Score = 0.91, BestScore = 0.92, DendriteCount = 1, LearningRate = 0.003,
            NewParameters = new TorchSharp.Modules.Parameter[2], TrainableParameters = new TorchSharp.Modules.Parameter[5], Message = "Plateau.",
        };

        var text = decision.ToString();

        text.Should().StartWith("DendritesAdded (Grew) at validation 9: score 0.91, best 0.92")
            .And.Contain("2 new and 5 trainable parameter(s), learning rate 0.003").And.EndWith("Plateau.")
            .And.NotContain("System.Collections").And.NotContain("\n");
    }

    [Test]
    public void Step_ConstantScore_GrowsAfterPatienceThenRevertsAndCompletes()
    {
        var (decisions, model, _) = Run(ClassicRules.Options with { Patience = 2, MaxRetries = 0 }, 1, 1, 1, 1, 1, 1, 1);

        Reasons(decisions).Should().Equal(FirstScore, NoImprovement, NoImprovement, Grew, NoImprovement, NoImprovement, RetriesExhausted);
        decisions.Select(d => d.DendriteCount).Should().Equal(0, 0, 0, 1, 1, 1, 0);
        decisions[3].Action.Should().Be(GrowthAction.DendritesAdded);
        decisions[3].NewParameters.Should().HaveCount(1);
        decisions[^1].Action.Should().Be(GrowthAction.Completed);
        decisions[^1].Phase.Should().Be(GrowthPhase.Completed);
        model.Operations.Should().Equal("restore:1", "add", "remove", "restore:1");
        model.Version.Should().Be(1, "the best model (the first score's weights) is in place");
    }

    [Test]
    public void Step_NoisyImprovementsUnderRelativeThreshold_CountAsPlateau()
    {
        var (decisions, _, _) = Run(ClassicRules.Options with { Patience = 2, RelativeThreshold = 0.01 }, 0.5, 0.504, 0.5049, 0.503);

        Reasons(decisions).Should().Equal(FirstScore, NoImprovement, NoImprovement, Grew);
        decisions.Select(d => d.BestScore).Should().AllBeEquivalentTo(0.5);
    }

    [Test]
    public void Step_ImprovementAboveRelativeThreshold_ResetsPatience()
    {
        var (decisions, _, _) = Run(ClassicRules.Options with { Patience = 2, RelativeThreshold = 0.01 }, 0.5, 0.504, 0.5051, 0.505, 0.505, 0.505);

        Reasons(decisions).Should().Equal(FirstScore, NoImprovement, Improved, NoImprovement, NoImprovement, Grew);
    }

    [Test]
    public void Step_AbsoluteThreshold_IsTheLargerMargin()
    {
        var (decisions, _, _) = Run(ClassicRules.Options with { Patience = 5, RelativeThreshold = 0, AbsoluteThreshold = 0.01 }, 0.5, 0.509, 0.5101, 0.52);

        Reasons(decisions).Should().Equal(FirstScore, NoImprovement, Improved, NoImprovement);
    }

    [Test]
    public void Step_MinimizeWithNegativeScores_UsesRelativeThresholdOnAbsoluteBest()
    {
        var options = ClassicRules.Options with { Mode = ScoreMode.Minimize, Patience = 1, RelativeThreshold = 0.01 };

        var (decisions, _, _) = Run(options, -1.0, -1.005, -1.02, -1.029, -1.03);

        Reasons(decisions).Should().Equal(FirstScore, NoImprovement, Improved, NoImprovement, Grew);
        decisions[^1].BestScore.Should().Be(-1.02);
    }

    [Test]
    public void Step_MaximizeWithNegativeBest_NeedsMarginOnAbsoluteValue()
    {
        // ReduceLROnPlateau's best·(1+t) would accept -1.85 here (-2·1.1 = -2.2); the margin on |best| does not.
        var (decisions, _, _) = Run(ClassicRules.Options with { Patience = 5, RelativeThreshold = 0.1 }, -2, -1.85, -1.79);

        Reasons(decisions).Should().Equal(FirstScore, NoImprovement, Improved);
    }

    [Test]
    public void Step_Cooldown_IgnoresNonImprovingScoresAfterGrowth()
    {
        var (decisions, _, _) = Run(ClassicRules.Options with { Patience = 0, Cooldown = 2, MaxRetries = 1 }, 1, 1, 1, 1, 1, 1, 1, 1);

        Reasons(decisions).Should().Equal(FirstScore, Grew, Cooldown, Cooldown, Retried, Cooldown, Cooldown, RetriesExhausted);
        decisions.Select(d => d.DendriteCount).Should().Equal(0, 1, 1, 1, 1, 1, 1, 0);
    }

    [Test]
    public void Step_EveryN_CountsFromLastGrowth()
    {
        var (decisions, _, _) = Run(ClassicRules.Options with { Trigger = GrowthTrigger.EveryN, Interval = 3 }, 1, 2, 3, 4, 5, 6, 7, 8, 9);

        Reasons(decisions).Should().Equal(FirstScore, Improved, Grew, Improved, Improved, Grew, Improved, Improved, Grew);
        decisions.Select(d => d.DendriteCount).Should().Equal(0, 0, 1, 1, 1, 2, 2, 2, 3);
    }

    [Test]
    public void Step_EveryN_RetriesRestartTheInterval()
    {
        var (decisions, _, _) = Run(ClassicRules.Options with { Trigger = GrowthTrigger.EveryN, Interval = 2, MaxRetries = 2 }, 1, 1, 1, 1, 1, 1, 1, 1);

        Reasons(decisions).Should().Equal(FirstScore, Grew, NoImprovement, Retried, NoImprovement, Retried, NoImprovement, RetriesExhausted);
    }

    [Test]
    public void Step_EveryValidation_GrowsEachTimeWhileImproving()
    {
        var (decisions, _, _) = Run(ClassicRules.Options with { Trigger = GrowthTrigger.EveryValidation }, 1, 2, 3);

        decisions.Should().AllSatisfy(d => d.Action.Should().Be(GrowthAction.DendritesAdded));
        decisions.Select(d => d.DendriteCount).Should().Equal(1, 2, 3);
    }

    [Test]
    public void Step_RetriesThenCompletion_RevertsEachFailedGrowth()
    {
        var (decisions, model, _) = Run(ClassicRules.Options with { Patience = 0, MaxRetries = 2 }, 1, 1, 1, 1, 1, 1);

        Reasons(decisions).Should().Equal(FirstScore, Grew, Retried, Retried, RetriesExhausted);
        decisions.Select(d => d.Retries).Should().Equal(0, 0, 1, 2, 3);
        model.Operations.Should().Equal("restore:1", "add", "remove", "restore:1", "add", "remove", "restore:1", "add", "remove", "restore:1");
        model.DendriteCount.Should().Be(0);
        decisions.Should().HaveCount(5, "the sixth score is not reached: Run stops at completion");
    }

    [Test]
    public void Step_MaxDendrites_CompletesWithBestModelAtThatSize()
    {
        var (decisions, model, _) = Run(ClassicRules.Options with { Patience = 0, MaxDendrites = 2 }, 1, 1, 2, 2, 3, 3);

        Reasons(decisions).Should().Equal(FirstScore, Grew, Improved, Grew, Improved, MaxDendritesReached);
        decisions[^1].DendriteCount.Should().Be(2);
        model.Version.Should().Be(3, "the weights measured at the score 3 are restored");
    }

    [Test]
    public void Step_MaxDendritesZero_IsEarlyStoppingAtFirstPlateau()
    {
        var (decisions, _, _) = Run(ClassicRules.Options with { Patience = 1, MaxDendrites = 0 }, 1, 1, 1);

        Reasons(decisions).Should().Equal(FirstScore, NoImprovement, MaxDendritesReached);
    }

    [Test]
    public void Step_Never_StopsEarlyWithBestWeights()
    {
        var (decisions, model, scheduler) = Run(ClassicRules.Options with { Trigger = GrowthTrigger.Never, Patience = 1 }, 1, 2, 2, 2);

        Reasons(decisions).Should().Equal(FirstScore, Improved, NoImprovement, EarlyStopped);
        model.Version.Should().Be(2);
        model.Operations.Should().NotContain("add");
        scheduler.IsCompleted.Should().BeTrue();
        var act = () => scheduler.Step(3);
        act.Should().Throw<InvalidOperationException>().WithMessage("*already complete*");
    }

    [Test]
    public void Step_KeepOnlyImprovementsOff_KeepsEveryGrowthWithoutRestoring()
    {
        var (decisions, model, _) = Run(ClassicRules.Options with { Patience = 0, KeepOnlyImprovements = false, MaxDendrites = 2 }, 1, 1, 1, 1);

        Reasons(decisions).Should().Equal(FirstScore, Grew, Grew, MaxDendritesReached);
        model.Operations.Should().Equal("add", "add", "remove", "remove", "restore:1");
    }

    [Test]
    public void Step_Smoothing_SeedsWithFirstScoreAndAfterGrowth()
    {
        var (decisions, _, _) = Run(ClassicRules.Options with { Patience = 0, Smoothing = 0.5 }, 10, 0, 4);

        decisions.Select(d => d.SmoothedScore).Should().Equal(10, 5, 4);
        decisions[1].Reason.Should().Be(Grew);
    }

    [Test]
    public void Step_ThresholdByDendrites_AppliesPerArchitecture()
    {
        var options = ClassicRules.Options with { Patience = 0, RelativeThresholdByDendrites = new[] { 0.0, 0.5 } };

        var (decisions, _, _) = Run(options, 1.0, 1.01, 1.01, 1.3, 1.6);

        Reasons(decisions).Should().Equal(FirstScore, Improved, Grew, Retried, Improved);
    }

    [Test]
    public void Step_LearningRateRestartFactor_ScalesSuggestedRateOnGrowth()
    {
        var scheduler = new GrowthScheduler(new FakeGrowthModel(), ClassicRules.Options with { Patience = 0, LearningRateRestartFactor = 10 }, null);

        var first = scheduler.Step(1, 0.001);
        var grown = scheduler.Step(1, 0.001);

        first.LearningRate.Should().Be(0.001);
        grown.Action.Should().Be(GrowthAction.DendritesAdded);
        grown.LearningRate.Should().BeApproximately(0.01, 1e-15);
        grown.IsLearningRateLow.Should().BeFalse();
    }

    [Test]
    public void Step_GrowthAtNearZeroLearningRate_WarnsWithStableEventId()
    {
        var logger = new RecordingLogger();
        var scheduler = new GrowthScheduler(new FakeGrowthModel(), ClassicRules.Options with { Patience = 0 }, logger);

        scheduler.Step(1, 1e-9);
        var grown = scheduler.Step(1, 1e-9);

        grown.IsLearningRateLow.Should().BeTrue();
        grown.Message.Should().Contain("near zero");
        logger.Entries.Should().Contain(e => e.EventId == 3010 && e.Level == LogLevel.Warning);
        logger.Entries.Select(e => e.EventId).Should().Contain(new[] { 3001, 3005 });
    }

    [Test]
    public void Step_ArchitectureChange_SaysRebuildAndBuildsNoOptimizer()
    {
        // A loop of your own has one door: the decision. Only Fit builds optimizers.
        var scheduler = new GrowthScheduler(new FakeGrowthModel(), ClassicRules.Options with { Patience = 0 }, null);

        scheduler.Step(1);
        var grown = scheduler.Step(1);

        grown.Reason.Should().Be(Grew);
        grown.RebuildOptimizer.Should().BeTrue();
        scheduler.Optimizer.Should().BeNull();
    }

    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(double.NegativeInfinity)]
    public void Step_NonFiniteScore_ThrowsAndChangesNothing(double score)
    {
        var scheduler = new GrowthScheduler(new FakeGrowthModel(), ClassicRules.Options with { Patience = 0 }, null);
        scheduler.Step(1);

        var act = () => scheduler.Step(score);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("score");
        scheduler.History.Entries.Should().HaveCount(1);
        scheduler.Step(1).Reason.Should().Be(Grew, "the bad score was not counted");
    }

    [Test]
    public void Step_NegativeLearningRate_Throws()
    {
        var scheduler = new GrowthScheduler(new FakeGrowthModel(), null, null);

        var act = () => scheduler.Step(1, -0.1);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("learningRate");
    }

    [Test]
    public void Constructor_CascadeCorrelationWithoutCandidateLosses_ThrowsNamingTheOption()
    {
        var model = new FakeGrowthModel();

        var act = () => new GrowthScheduler(model, ClassicRules.Options with { Training = DendriteTrainingMode.CascadeCorrelation }, null);

        act.Should().Throw<InvalidOptionsException>().WithMessage("*CandidateLosses*");
        model.Operations.Should().BeEmpty();
    }

    [Test]
    public void Step_CandidateLossesThrow_KeepsTheScoreButNotTheGrowth()
    {
        var model = new FakeGrowthModel();
        var options = ClassicRules.Options with
        {
            Patience = 0,
            Training = DendriteTrainingMode.CascadeCorrelation,
            CandidateLosses = () => throw new InvalidOperationException("data loader failed"),
        };
        var scheduler = new GrowthScheduler(model, options, null);
        scheduler.Step(1);

        var act = () => scheduler.Step(1);

        act.Should().Throw<InvalidOperationException>().WithMessage("data loader failed");
        scheduler.Phase.Should().Be(GrowthPhase.Initial);
        scheduler.DendriteCount.Should().Be(0);
        scheduler.History.Entries.Should().HaveCount(1, "no decision was carried out");
        scheduler.ExportState().Validations.Should().Be(2, "the score was seen");
    }

    [Test]
    public void Constructor_CascadeCorrelationWithGrowthOff_NeedsNoCandidateLosses()
    {
        var act = () => new GrowthScheduler(new FakeGrowthModel(), ClassicRules.Options with { Training = DendriteTrainingMode.CascadeCorrelation, Trigger = GrowthTrigger.Never }, null);

        act.Should().NotThrow();
    }

    [Test]
    public void Step_CascadeCorrelation_TrainsCandidatesBeforeReturning()
    {
        var (decisions, model, _) = Run(ClassicRules.Options with { Patience = 0, Training = DendriteTrainingMode.CascadeCorrelation }, 1, 1);

        model.Operations.Should().Equal("restore:1", "add", "candidates");
        decisions[1].CandidateCorrelation.Should().Be(1.0);
    }

    [Test]
    public void Step_WorkedExampleOfTheDocs_GivesTheDocumentedDecisions()
    {
        // docs/growth-scheduler.md, "Worked example": keep the two in step.
        var options = ClassicRules.Options with { Patience = 1, Cooldown = 1, MaxRetries = 1, RelativeThreshold = 0.05 };

        var (decisions, _, _) = Run(options, 0.50, 0.60, 0.61, 0.62, 0.64, 0.70, 0.74, 0.75, 0.76, 0.77, 0.77, 0.775, 0.77, 0.76, 0.77);

        Reasons(decisions).Should().Equal(
            FirstScore, Improved, NoImprovement, Grew, Improved, Improved, Improved, NoImprovement, Grew,
            Cooldown, NoImprovement, Retried, Cooldown, NoImprovement, RetriesExhausted);
        decisions.Select(d => d.DendriteCount).Should().Equal(0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 1);
        decisions[^1].BestScore.Should().Be(0.74);
    }
}
