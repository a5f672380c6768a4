using System;
using System.Collections.Generic;
using System.IO;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;
using static Dendritic.Tests.Support.Perturbation;

namespace Dendritic.Tests.Growth;

/// <summary>
/// <see cref="GrowthScheduler.Finish"/> for loops that stop on their own budget, and <see cref="GrowthDecision.IsNewBest"/>,
/// which tells a new best score from a new best of the cycle.
/// </summary>
[TestFixture]
public sealed class GrowthSchedulerFinishTests
{
    [SetUp]
    public void Seed() => manual_seed(42);

    private static DendriticModel Wrap(nn.Module model) => Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });

    [TestCase(BestWeightsKept.Memory)]
    [TestCase(BestWeightsKept.Disk)]
    public void Finish_AfterAGrowthThatHasNotBeatenTheBest_RemovesTheSetsAndRestoresTheBestWeights(BestWeightsKept storage)
    {
        using var temp = new TempFolder();
        var model = TestModels.TanhMlp();
        var handle = Wrap(model);
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { Patience = 1, BestWeightsDirectory = storage == BestWeightsKept.Disk ? Path.Combine(temp.Path, "best") : null });
        using var input = randn(5, 3);
        scheduler.Step(0.5);
        scheduler.Step(0.8);
        using var atBest = model.call(input).detach();
        Perturb(model);
        scheduler.Step(0.7).Action.Should().Be(GrowthAction.DendritesAdded);
        Perturb(model);
        var cycleBest = scheduler.Step(0.75);

        var restored = scheduler.Finish();

        cycleBest.Reason.Should().Be(GrowthReason.CycleBest, "0.75 is the best of the cycle since the growth, not the best score");
        cycleBest.IsNewBest.Should().BeFalse("0.75 is below the best score, 0.8");
        cycleBest.DendriteCount.Should().Be(1);
        restored.Should().BeTrue();
        scheduler.IsCompleted.Should().BeTrue();
        handle.Layers.Should().AllSatisfy(l => l.DendriteCount.Should().Be(0));
        using var afterFinish = model.call(input).detach();
        TensorAssert.Identical(afterFinish, atBest, "the weights of the best score come back exactly");
        var act = () => scheduler.Step(0.9);
        act.Should().Throw<InvalidOperationException>();
    }

    [Test]
    public void Finish_AfterImportStateWithoutBestWeights_ThrowsAndLeavesModelAndSchedulerAsTheyWere()
    {
        var handle = Wrap(TestModels.TanhMlp());
        var first = new GrowthScheduler(handle, new GrowthOptions { Patience = 1 });
        first.Step(0.5);
        first.Step(0.8);
        first.Step(0.7).Action.Should().Be(GrowthAction.DendritesAdded);
        var resumed = new GrowthScheduler(handle, new GrowthOptions { Patience = 1 });
        resumed.ImportState(first.ExportState());

        var act = () => resumed.Finish();

        act.Should().Throw<InvalidOperationException>().WithMessage("*imported without them*left as it was*");
        handle.Layers.Should().AllSatisfy(l => l.DendriteCount.Should().Be(1), "nothing was removed before the failure");
        resumed.IsCompleted.Should().BeFalse();
    }

    [Test]
    public void Finish_AfterFitGrew_DropsTheOptimizerThatHeldTheRemovedSets()
    {
        var scheduler = new GrowthScheduler(Wrap(TestModels.TanhMlp()), new GrowthOptions { Patience = 1 });
        var scores = new Queue<double>([0.5, 0.8, 0.7]);
        var result = scheduler.Fit(3, d => optim.SGD(d.TrainableParameters, 0.1), (_, _) => { }, _ => scores.Dequeue());
        result.LastDecision!.Action.Should().Be(GrowthAction.DendritesAdded);
        scheduler.Optimizer.Should().NotBeNull("Fit built one after the growth");

        scheduler.Finish().Should().BeTrue();

        scheduler.Optimizer.Should().BeNull("its parameters were the removed sets' too");
    }

    [Test]
    public void Finish_WhenComplete_ReturnsFalseAndChangesNothing()
    {
        var model = TestModels.TanhMlp();
        var scheduler = new GrowthScheduler(Wrap(model), new GrowthOptions { Patience = 1, Trigger = GrowthTrigger.Never });
        scheduler.Step(0.5);
        scheduler.Step(0.8);
        scheduler.Step(0.7).IsCompleted.Should().BeTrue("growth is off, so the plateau stops training");
        using var input = randn(5, 3);
        using var before = model.call(input).detach();

        scheduler.Finish().Should().BeFalse();

        using var after = model.call(input).detach();
        TensorAssert.Identical(after, before, "a completed scheduler has already put the best model back");
    }

    [Test]
    public void Finish_BeforeAnyScore_CompletesWithoutRestoring()
    {
        var scheduler = new GrowthScheduler(Wrap(TestModels.TanhMlp()), new GrowthOptions());

        scheduler.Finish().Should().BeFalse();

        scheduler.IsCompleted.Should().BeTrue();
        scheduler.BestScore.Should().BeNull();
    }

    [Test]
    public void Step_Scores_MarkOnlyTheScoresThatBecomeTheBestAsNewBest()
    {
        var scheduler = new GrowthScheduler(Wrap(TestModels.TanhMlp()), new GrowthOptions { Patience = 5 });

        var first = scheduler.Step(0.5);
        var second = scheduler.Step(0.4);
        var worse = scheduler.Step(0.3);
        var better = scheduler.Step(0.6);

        first.IsNewBest.Should().BeFalse("the first score is not counted (FirstScoreIsBest is false)");
        second.IsNewBest.Should().BeTrue("the second score becomes the best whatever its value");
        worse.IsNewBest.Should().BeFalse();
        better.IsNewBest.Should().BeTrue();
    }
}
