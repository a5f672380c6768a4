using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;
using Dendritic.Testing;

namespace Dendritic.Tests.Growth;

/// <summary>What the scheduler tells the caller matches what it did (found in a newcomer's trial of the library).</summary>
[TestFixture]
public sealed class GrowthSchedulerMessageTests
{
    [SetUp]
    public void SetUp() => manual_seed(3);

    [Test]
    public void Step_MaximumReachedAfterAWorseSet_NamesTheCountItRestored()
    {
        var model = new FakeGrowthModel();
        var scheduler = new GrowthScheduler(model, ClassicRules.Options with { Patience = 0, MaxDendrites = 1, KeepOnlyImprovements = false }, null);
        scheduler.Step(1.0);
        scheduler.Step(1.0).Action.Should().Be(GrowthAction.DendritesAdded);

        var done = scheduler.Step(0.5);

        done.Action.Should().Be(GrowthAction.Completed);
        done.DendriteCount.Should().Be(0, "the best score had no dendrites");
        done.Message.Should().Contain("best model restored with 0 dendrite set(s)");
    }

    [TestCase(true, true)]
    [TestCase(false, false)]
    public void Step_Growth_SaysWeightsWereRestoredOnlyWhenTheyWere(bool keepOnlyImprovements, bool restored)
    {
        var model = new FakeGrowthModel();
        var scheduler = new GrowthScheduler(model, ClassicRules.Options with { Patience = 0, KeepOnlyImprovements = keepOnlyImprovements }, null);
        scheduler.Step(1.0);

        var grown = scheduler.Step(1.0);

        grown.Action.Should().Be(GrowthAction.DendritesAdded);
        grown.Message.Contains("best weights restored", StringComparison.Ordinal).Should().Be(restored);
    }

    [Test]
    public void Step_CandidateLossesFromAnotherModel_ThrowsInsteadOfInstallingUntrainedCandidates()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0 });
        var other = TestModels.TanhMlp();
        var x = randn(16, 3);
        var options = ClassicRules.Options with
        {
            Patience = 0,
            Training = DendriteTrainingMode.CascadeCorrelation,
            CandidateLosses = () => new[] { other.call(x).pow(2).mean() },
        };
        var scheduler = new GrowthScheduler(handle, options);
        scheduler.Step(1.0);

        var act = () => scheduler.Step(1.0);

        act.Should().Throw<InvalidOperationException>().WithMessage("*did not run through any wrapped layer*Resume*loaded model*");
    }

    [Test]
    public void Step_FirstOfARunWhoseModelHasSets_SaysSoOnce()
    {
        // WrapOptions.InitialDendrites is 1 by default: a run meant to grow from none starts with a set it never chose.
        var logger = StepTwice(initialDendrites: 1);

        logger.Entries.Should().ContainSingle(e => e.EventId == 3023).Which.Message
            .Should().StartWith("The run starts with 1 dendrite set(s) per layer, which count towards GrowthOptions.MaxDendrites (4)");
    }

    [Test]
    public void Step_FirstOfARunFromNoSets_SaysNothingOfIt() =>
        StepTwice(initialDendrites: 0).Entries.Should().NotContain(e => e.EventId == 3023);

    [TestCase(1, true)]
    [TestCase(0, false)]
    public void Step_FirstOfARunWhoseModelHasSets_SaysSoInTheFirstDecisionOnly(int initialDendrites, bool noted)
    {
        // Without a logger, event 3023 goes unseen (a newcomer porting perforatedai, which starts from none, got one
        // growth step where they had asked for two); the decision's message is read by anyone who prints decisions.
        var scheduler = new GrowthScheduler(Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = initialDendrites }));

        var first = scheduler.Step(0.5);
        var second = scheduler.Step(0.6);

        if (noted)
        {
            first.Message.Should().EndWith(" Note: the run starts with 1 dendrite set(s) per layer, which count towards MaxDendrites (4); wrap with WrapOptions.InitialDendrites = 0 for the scheduler to add every set.");
        }
        else
        {
            first.Message.Should().NotContain("InitialDendrites");
        }

        second.Message.Should().NotContain("InitialDendrites");
    }

    [Test]
    public void Fit_BudgetSpentBeforeCompletion_SaysTheModelIsTheLastEpochsAndHowToGetTheBest()
    {
        var logger = new RecordingLogger();
        var scheduler = new GrowthScheduler(Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0, Logger = logger }), ClassicRules.Options);

        var result = scheduler.Fit(2, d => optim.SGD(d.TrainableParameters, 0.01), (_, _) => { }, e => 0.5 + (0.1 * e));

        result.IsCompleted.Should().BeFalse();
        logger.Entries.Should().ContainSingle(e => e.EventId == 3024).Which.Message
            .Should().Be("Fit spent its budget of 2 epoch(s) before growth completed: the model is the last epoch's, with 0 dendrite set(s) per layer; the best (score 0.7, 0 set(s) per layer) is put back by Finish(), or call Fit again to go on.");
    }

    [Test]
    public void Constructor_SecondSchedulerWhileTheFirstIsGrowing_WarnsOnce()
    {
        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0, Logger = logger });
        var unused = new GrowthScheduler(handle);   // built and dropped before its first Step: not in the way
        var first = new GrowthScheduler(handle);
        first.Step(0.5);

        _ = new GrowthScheduler(handle);
        first.Finish();
        _ = new GrowthScheduler(handle);

        logger.Entries.Should().ContainSingle(e => e.EventId == 3018, "only the scheduler built while the first was stepping is in its way")
            .Which.Message.Should().Contain("Finish()");
        unused.IsCompleted.Should().BeFalse();
    }

    [Test]
    public void Resume_BestWeightsFileLeftBehind_SaysWhichFileTravelsWithTheCheckpoint()
    {
        using var temp = new TempFolder();
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options);
        scheduler.Step(0.5);
        scheduler.Step(0.6);
        var path = Path.Combine(temp.Path, "run.dndt");
        scheduler.SaveCheckpoint(path);
        File.Exists(path + ".best").Should().BeTrue("the in-memory best weights go beside the checkpoint");
        var moved = Path.Combine(Directory.CreateDirectory(Path.Combine(temp.Path, "elsewhere")).FullName, "run.dndt");
        File.Move(path, moved);

        var act = () => GrowthScheduler.Resume(DendriteCheckpoint.Load(TestModels.TanhMlp(), moved));

        act.Should().Throw<FileNotFoundException>().WithMessage("*keeps the run's best weights in 'run.dndt.best' beside it*Copy or move that file together with the checkpoint*");
    }

    [Test]
    public void Step_BestOfTheCycleBelowTheBestScore_IsCycleBestLoggedAs3022NotImproved()
    {
        // Found in a newcomer's trial: with PatienceAgainstCycleBest such a score was reported as Improved, so a log
        // reader saw "Improved" on scores worse than the best and had to check IsNewBest.
        var logger = new RecordingLogger();
        var scheduler = new GrowthScheduler(new FakeGrowthModel(), ClassicRules.Options with { Patience = 0, PatienceAgainstCycleBest = true }, logger);
        scheduler.Step(0.5);
        scheduler.Step(0.8).Reason.Should().Be(GrowthReason.Improved);
        scheduler.Step(0.7).Action.Should().Be(GrowthAction.DendritesAdded);

        var first = scheduler.Step(0.6);
        var second = scheduler.Step(0.65);
        var best = scheduler.Step(0.9);

        first.Reason.Should().Be(GrowthReason.CycleBest, "the first score of a cycle is its best so far");
        second.Reason.Should().Be(GrowthReason.CycleBest);
        second.IsNewBest.Should().BeFalse();
        second.Message.Should().Be("New best score of this cycle (since the start or the last growth), not the best score; patience restarts.");
        best.Reason.Should().Be(GrowthReason.Improved);
        best.IsNewBest.Should().BeTrue();
        logger.Entries.Where(e => e.EventId is 3002 or 3022).Select(e => e.EventId).Should().Equal(3002, 3022, 3022, 3002);
        scheduler.History.ToCsv().Split('\n')[5].Should().Contain(",NoChange,CycleBest,");
    }

    [Test]
    public void Step_FloatLossAsScore_LogsSixSignificantDigitsAndKeepsTheFullValue()
    {
        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0, Logger = logger });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options with { Mode = ScoreMode.Minimize });
        var loss = (double)0.30116248f;   // a float32 loss read as a double: 0.30116248130798340

        scheduler.Step(loss);

        var first = logger.Entries.FindIndex(e => e.EventId == 3001);
        logger.Entries[first].Message.Should().Contain("score 0.301162 with 0 dendrite set(s) per layer.").And.NotContain("0.3011624813");
        logger.Values[first].Should().Contain(new KeyValuePair<string, object?>("Score", loss), "a logging provider records the value itself");
    }

    [Test]
    public void Step_GrowthAndRevert_LogTheSetsTheScoreWasMeasuredWithAndTheSetsNow()
    {
        var logger = new RecordingLogger();
        var scheduler = new GrowthScheduler(new FakeGrowthModel(), ClassicRules.Options with { Patience = 0, MaxRetries = 0 }, logger);

        scheduler.Step(1);
        scheduler.Step(0.5);
        scheduler.Step(0.25);

        logger.Entries.Single(e => e.EventId == 3001).Message.Should().StartWith("Validation 1: score 1 with 0 dendrite set(s) per layer. First score", "a first score that is not a best must not read as one");
        var grew = logger.Entries.FindIndex(e => e.EventId == 3005);
        logger.Entries[grew].Message.Should().StartWith("Validation 2: score 0.5 with 0 dendrite set(s) per layer, best 1; now 1 dendrite set(s) per layer. Plateau", "the score was measured before the set was added, as the history's dendrites column says");
        logger.Values[grew].Should().Contain(new KeyValuePair<string, object?>("ScoredDendrites", 0)).And.Contain(new KeyValuePair<string, object?>("Dendrites", 1));
        logger.Entries.Single(e => e.EventId == 3007).Message.Should().StartWith("Validation 3: score 0.25 with 1 dendrite set(s) per layer, best 1; now 0 dendrite set(s) per layer.");
        scheduler.History.Entries.Select(e => e.DendriteCount).Should().Equal([0, 0, 1]);
    }

    private static RecordingLogger StepTwice(int initialDendrites)
    {
        var logger = new RecordingLogger();
        var scheduler = new GrowthScheduler(Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = initialDendrites, Logger = logger }), ClassicRules.Options);
        scheduler.Step(0.5);
        scheduler.Step(0.6);
        return logger;
    }
}
