using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// The scheduler's warning when the score seems to be read the wrong way round: a loss under Mode = Maximize (the
/// default) gets "worse" at every validation, so the first score stays the best and growth starts at once (event 3017,
/// and a warning in the first growth's message).
/// </summary>
[TestFixture]
public sealed class GrowthSchedulerScoreDirectionTests
{
    [SetUp]
    public void SetUp() => manual_seed(7);

    [Test]
    public void Step_FallingLossUnderMaximize_WarnsAtTheFirstGrowth()
    {
        var (scheduler, logger) = Build(new GrowthOptions { Patience = 2 });

        var grown = StepUntilGrowth(scheduler, validation => 2.0 / validation);

        grown.Message.Should().Contain("no score since the first was better than it under Mode Maximize").And.Contain("set GrowthOptions.Mode = Minimize");
        logger.Entries.Where(e => e.EventId == 3017).Should().ContainSingle().Which.Level.Should().Be(LogLevel.Warning);
    }

    [Test]
    public void Step_RisingAccuracyUnderMinimize_WarnsWithMaximize()
    {
        var (scheduler, logger) = Build(new GrowthOptions { Patience = 2, Mode = ScoreMode.Minimize });

        var grown = StepUntilGrowth(scheduler, validation => 0.5 + (0.01 * validation));

        grown.Message.Should().Contain("if higher is better (an accuracy), set GrowthOptions.Mode = Maximize");
        logger.Entries.Should().ContainSingle(e => e.EventId == 3017);
    }

    [Test]
    public void Step_NoisyFlatScoresUnderEveryN_DoNotWarnOnTwoFalls()
    {
        // Three scores falling twice in a row by chance, as a flat accuracy does one time in six.
        var (scheduler, logger) = Build(new GrowthOptions { Trigger = GrowthTrigger.EveryN, Interval = 3 });

        var grown = StepUntilGrowth(scheduler, validation => new[] { 0.912, 0.910, 0.909 }[(validation - 1) % 3]);

        grown.Message.Should().NotContain("no score since the first was better");
        logger.Entries.Should().NotContain(e => e.EventId == 3017);
    }

    [Test]
    public void Step_AccuracyThatImprovesThenPlateaus_DoesNotWarn()
    {
        var (scheduler, logger) = Build(new GrowthOptions { Patience = 2 });

        var grown = StepUntilGrowth(scheduler, validation => validation < 4 ? 0.5 + (0.1 * validation) : 0.8);

        grown.Message.Should().NotContain("no score since the first was better");
        logger.Entries.Should().NotContain(e => e.EventId == 3017);
    }

    [TestCase(new[] { 3.0, 2.0, 1.0 }, ScoreMode.Maximize, false)]
    [TestCase(new[] { 4.0, 3.0, 2.0, 1.0 }, ScoreMode.Maximize, true)]
    [TestCase(new[] { 4.0, 3.0, 2.0, 2.0 }, ScoreMode.Maximize, true)]
    [TestCase(new[] { 4.0, 3.0, 2.0, 2.5 }, ScoreMode.Maximize, true)]
    [TestCase(new[] { 4.0, 3.0, 4.5, 1.0 }, ScoreMode.Maximize, false)]
    [TestCase(new[] { 4.0, 4.0, 4.0, 4.0 }, ScoreMode.Maximize, false)]
    [TestCase(new[] { 4.0, 2.0, 3.0, 3.5 }, ScoreMode.Maximize, false)]
    [TestCase(new[] { 1.0, 2.0, 3.0, 4.0 }, ScoreMode.Maximize, false)]
    [TestCase(new[] { 1.0, 2.0, 3.0, 4.0 }, ScoreMode.Minimize, true)]
    public void TrendsWrongWay_Scores_AnswersForFourOrMoreThatNeverBeatTheFirstAndEndWorse(double[] scores, ScoreMode mode, bool expected) =>
        ScoreDirectionCheck.TrendsWrongWay(scores, mode).Should().Be(expected);

    [Test]
    public void Step_UnevenlyFallingLossUnderMaximize_WarnsAtTheFirstGrowth()
    {
        // A loss that falls with noise (it rises at some validations), given under the default Mode = Maximize.
        var losses = new[] { 0.9909, 0.9872, 0.9890, 0.9861, 0.9866, 0.9840, 0.9851, 0.9822, 0.9830, 0.9801, 0.9812, 0.9790, 0.9795, 0.9770 };
        var (scheduler, logger) = Build(new GrowthOptions { Patience = 3 });

        var grown = StepUntilGrowth(scheduler, validation => losses[validation - 1]);

        grown.Message.Should().Contain("set GrowthOptions.Mode = Minimize");
        logger.Entries.Should().ContainSingle(e => e.EventId == 3017);
    }

    private static (GrowthScheduler Scheduler, RecordingLogger Logger) Build(GrowthOptions options)
    {
        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0, Logger = logger });
        return (new GrowthScheduler(handle, options), logger);
    }

    private static GrowthDecision StepUntilGrowth(GrowthScheduler scheduler, System.Func<int, double> score)
    {
        for (var validation = 1; validation <= 20; validation++)
        {
            if (scheduler.Step(score(validation)) is { Action: GrowthAction.DendritesAdded } grown)
            {
                return grown;
            }
        }

        throw new AssertionException("The scheduler did not grow within 20 validations.");
    }
}
