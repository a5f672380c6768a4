using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Growth;

/// <summary>The growth rules on their own: no model, no scheduler, only state, score and options.</summary>
public sealed class GrowthPolicyTests
{
    private static readonly GrowthOptions Rules = new GrowthOptions { Patience = 2, MaxDendrites = 2, MaxRetries = 1, RelativeThreshold = 0, Cooldown = 1 }.Validate();

    [Test]
    public void Decide_FirstScoreWithoutFirstScoreIsBest_KeepsItsWeightsButNotAsTheBest()
    {
        var plan = GrowthPolicy.Decide(new GrowthPolicyState(), 0.5, null, 0, Rules);

        plan.Action.Should().Be(GrowthAction.NoChange);
        plan.Reason.Should().Be(GrowthReason.FirstScore);
        plan.CaptureBest.Should().BeTrue();
        plan.Next.Best.Should().BeNull();
        plan.Next.Validations.Should().Be(1);
    }

    [Test]
    public void Decide_SecondScoreWithoutFirstScoreIsBest_SaysItIsTheFirstCountedScore()
    {
        var first = GrowthPolicy.Decide(new GrowthPolicyState(), 0.5, null, 0, Rules);

        var second = GrowthPolicy.Decide(first.Next, 0.4, null, 0, Rules);

        second.Reason.Should().Be(GrowthReason.FirstScore);
        second.Message.Should().StartWith("First counted score (validation 1 is never taken as the best: FirstScoreIsBest is false)");
        second.Next.Best.Should().Be(0.4);
    }

    [TestCase(ScoreMode.Maximize, 0.6, GrowthReason.Improved)]
    [TestCase(ScoreMode.Maximize, 0.4, GrowthReason.NoImprovement)]
    [TestCase(ScoreMode.Minimize, 0.4, GrowthReason.Improved)]
    [TestCase(ScoreMode.Minimize, 0.6, GrowthReason.NoImprovement)]
    public void Decide_ScoreAgainstTheBest_FollowsTheMode(ScoreMode mode, double score, GrowthReason expected)
    {
        var state = new GrowthPolicyState { Validations = 3, Best = 0.5, CycleBest = 0.5 };

        var plan = GrowthPolicy.Decide(state, score, null, 0, Rules with { Mode = mode });

        plan.Reason.Should().Be(expected);
        plan.CaptureBest.Should().Be(expected == GrowthReason.Improved);
        plan.RestoreBest.Should().BeFalse();
    }

    [Test]
    public void Decide_PlateauReached_PlansRestoreAndGrowthAndRestartsTheCycle()
    {
        var state = new GrowthPolicyState { Validations = 5, SinceChange = 5, Best = 0.5, CycleBest = 0.5, Smoothed = 0.4, BadValidations = 1 };

        var plan = GrowthPolicy.Decide(state, 0.4, 1e-9, 0, Rules);

        plan.Action.Should().Be(GrowthAction.DendritesAdded);
        plan.Reason.Should().Be(GrowthReason.Grew);
        plan.RestoreBest.Should().BeTrue();
        plan.IsLearningRateLow.Should().BeTrue();
        plan.Next.Should().BeEquivalentTo(new { Phase = GrowthPhase.Grown, SinceChange = 0, BadValidations = 0, CooldownLeft = 1, Smoothed = (double?)null, CycleBest = (double?)null, Retries = 0 });
        plan.Observed.BadValidations.Should().Be(2, "the state before growth keeps the count that triggered it");
        state.BadValidations.Should().Be(1, "the given state is not changed");
    }

    [Test]
    public void Decide_GrowthThatNeverImproved_RetriesThenCompletes()
    {
        var grown = new GrowthPolicyState { Phase = GrowthPhase.Grown, Validations = 8, Best = 0.5, CycleBest = 0.5, BadValidations = 1, BestDendriteCount = 0 };

        var retry = GrowthPolicy.Decide(grown, 0.4, null, 1, Rules);
        var exhausted = GrowthPolicy.Decide(grown with { Retries = 1 }, 0.4, null, 1, Rules);

        retry.Reason.Should().Be(GrowthReason.Retried);
        retry.RestoreBest.Should().BeTrue();
        retry.Next.Retries.Should().Be(1);
        exhausted.Action.Should().Be(GrowthAction.Completed);
        exhausted.Reason.Should().Be(GrowthReason.RetriesExhausted);
        exhausted.RestoreBest.Should().BeTrue();
        exhausted.Next.Phase.Should().Be(GrowthPhase.Completed);
        exhausted.Message.Should().Contain("restored with 0 dendrite set(s)");
    }

    [Test]
    public void Decide_PlateauAtMaxDendrites_CompletesWithTheBestRestored()
    {
        var state = new GrowthPolicyState { Phase = GrowthPhase.Grown, ImprovedSinceChange = true, Validations = 9, Best = 0.5, CycleBest = 0.5, BadValidations = 1, BestDendriteCount = 2 };

        var plan = GrowthPolicy.Decide(state, 0.4, null, 2, Rules);

        plan.Reason.Should().Be(GrowthReason.MaxDendritesReached);
        plan.RestoreBest.Should().BeTrue();
        plan.Next.Phase.Should().Be(GrowthPhase.Completed);
    }

    [Test]
    public void Decide_WithinCooldown_DoesNotCountAgainstThePatience()
    {
        var state = new GrowthPolicyState { Phase = GrowthPhase.Grown, Validations = 6, Best = 0.5, CycleBest = 0.5, CooldownLeft = 1 };

        var plan = GrowthPolicy.Decide(state, 0.4, null, 1, Rules);

        plan.Reason.Should().Be(GrowthReason.Cooldown);
        plan.Next.BadValidations.Should().Be(0);
        plan.Next.CooldownLeft.Should().Be(0);
    }

    [Test]
    public void Decide_GrowthOff_StopsEarlyAtThePlateau()
    {
        var state = new GrowthPolicyState { Validations = 4, Best = 0.5, CycleBest = 0.5, BadValidations = 1 };

        var plan = GrowthPolicy.Decide(state, 0.4, null, 0, Rules with { Trigger = GrowthTrigger.Never });

        plan.Reason.Should().Be(GrowthReason.EarlyStopped);
        plan.Action.Should().Be(GrowthAction.Completed);
        plan.RestoreBest.Should().BeTrue();
    }
}
