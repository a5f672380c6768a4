using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Dendritic.Distributed.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;
using Dendritic.Testing;

namespace Dendritic.Distributed.Tests.Growth;

/// <summary>Growth under data parallelism: one decision for all ranks, identical dendrites, failures (checkpoints: <see cref="DistributedCheckpointTests"/>).</summary>
[TestFixture]
public sealed class DistributedGrowthSchedulerTests : TempFolderTest
{
    // Per validation, each rank's local mean score; ranks have 10, 20 and 30 validation samples.
    private static readonly long[] Samples = { 10, 20, 30 };
    private static readonly double[][] LocalScores =
    {
        new[] { 1.0, 2.0, 3.0 },
        new[] { 3.0, 2.5, 1.5 },   // combined as good as before: no improvement, so the eager rules grow
        new[] { 0.5, 1.0, 1.2 },
        new[] { 2.0, 2.0, 2.0 },   // worse again: grow
        new[] { 0.1, 0.2, 0.3 },
    };

    private static double Combined(double[] scores) => scores.Zip(Samples, (s, n) => s * n).Sum() / Samples.Sum();

    [Test]
    public void Step_DifferentLocalScores_EveryRankMakesTheDecisionsOfOneProcessOnTheWeightedScore()
    {
        var reference = new GrowthScheduler(Models.Wrapped(Models.Mlp()), Models.EagerRules);
        var expected = LocalScores.Select(s => reference.Step(Combined(s))).Select(d => (d.Action, d.Reason, d.DendriteCount)).ToList();

        var perRank = InProcessGroup.Run(3, c =>
        {
            var scheduler = new DistributedGrowthScheduler(c, Models.Wrapped(Models.Mlp()), Models.EagerRules);
            return LocalScores.Select(s => scheduler.Step(s[c.Rank], Samples[c.Rank])).Select(d => (d.Action, d.Reason, d.DendriteCount, d.Score)).ToList();
        });

        expected.Count(d => d.Action == GrowthAction.DendritesAdded).Should().BeGreaterThan(0, "the scores are chosen to make the scheduler grow");
        foreach (var decisions in perRank)
        {
            decisions.Select(d => (d.Action, d.Reason, d.DendriteCount)).Should().Equal(expected);
            decisions.Select(d => d.Score).Should().Equal(perRank[0].Select(d => d.Score), "every rank hands its scheduler the same bits");
        }

        perRank[0][0].Score.Should().BeApproximately(Combined(LocalScores[0]), 1e-12);
    }

    [Test]
    public void Step_Growth_EveryRankHoldsIdenticalParametersIncludingTheNewDendrites()
    {
        var perRank = InProcessGroup.Run(3, c =>
        {
            var handle = Models.Wrapped(Models.Mlp());
            var scheduler = new DistributedGrowthScheduler(c, handle, Models.EagerRules);
            scheduler.Step(1.0 + c.Rank, Samples[c.Rank]);
            using (no_grad())
            {
                // Each rank trains on its own data: before the next decision their weights would differ without averaging.
                handle.Model.parameters().First().add_(c.Rank);
            }

            var grown = scheduler.Step(5.0, Samples[c.Rank]);
            return (grown.Action, handle.DendriteCount, Values: Models.Values(handle.Model), scheduler.LastTotalSamples);
        });

        perRank.Should().AllSatisfy(r =>
        {
            r.Action.Should().Be(GrowthAction.DendritesAdded);
            r.DendriteCount.Should().Be(1);
            r.Values.Should().Equal(perRank[0].Values);
            r.LastTotalSamples.Should().Be(60);
        });
    }

    [Test]
    public void Step_GrowthOnThreadRanks_DrawsTheSameDendritesOnEveryRankAndInEveryRun()
    {
        // The rank threads share torch's generator: seeded and drawn one rank at a time, every rank draws the same
        // numbers, so the new sets are equal before the broadcast, and a second run repeats the first.
        var build = new object();
        List<(bool? Identical, double[] Values)> Once() => InProcessGroup.Run(3, c =>
        {
            DendriticModel handle;
            lock (build)
            {
                manual_seed(3);
                handle = Models.Wrapped(Models.Mlp());
            }

            var scheduler = new DistributedGrowthScheduler(c, handle, Models.EagerRules);
            scheduler.Step(1.0, Samples[c.Rank]);
            scheduler.Step(1.0, Samples[c.Rank]).Action.Should().Be(GrowthAction.DendritesAdded);
            return (scheduler.LastChangeWasIdentical, Models.Values(handle.Model));
        }).ToList();

        var first = Once();
        var second = Once();

        first.Should().AllSatisfy(r => r.Identical.Should().BeTrue("each rank seeded and drew alone"));
        second.Select(r => r.Values).Should().AllSatisfy(v => v.Should().Equal(first[0].Values));
    }

    [Test]
    public void Step_NoChangeOnAThreadRank_LeavesTheSharedGeneratorAlone()
    {
        // Thread ranks share torch's generator and seed it only inside the draw's lock: a Step that draws nothing must
        // not reseed it, or it could reset the generator under another rank's draw.
        var handle = Models.Wrapped(Models.Mlp());
        manual_seed(123);
        using var expected = randn(8);
        manual_seed(123);

        var actions = InProcessGroup.Run(1, c => new DistributedGrowthScheduler(c, handle, Models.EagerRules).Step(1.0, 10).Action);
        using var drawn = randn(8);

        actions.Should().Equal(GrowthAction.NoChange);
        drawn.data<float>().ToArray().Should().Equal(expected.data<float>().ToArray());
    }

    [Test]
    public void Step_CandidateLossesOnThreadRanks_RunOnEveryRankAtOnce()
    {
        // Only the draw of new sets is serialised across the rank threads; the rest of Step, candidate training and the
        // caller's CandidateLosses in it, runs on every rank at once. Each rank's first pass waits at a barrier that
        // opens only when all three are inside it: with the whole step serialised it would never open (false after 60 s).
        using var together = new Barrier(3);
        var perRank = InProcessGroup.Run(
            3,
            c =>
            {
                var model = Models.Mlp();
                var x = ones(8, 4);
                var waited = false;
                var met = false;
                IEnumerable<Tensor> Losses()
                {
                    if (!waited)
                    {
                        waited = true;
                        met = together.SignalAndWait(TimeSpan.FromSeconds(60));
                    }

                    yield return model.call(x).square().mean();
                }

                var options = Models.EagerRules with
                {
                    Training = DendriteTrainingMode.CascadeCorrelation,
                    CascadeCorrelation = new CascadeCorrelationOptions { MaxEpochs = 1 },
                    CandidateLosses = Losses,
                };
                var scheduler = new DistributedGrowthScheduler(c, Models.Wrapped(model), options);
                scheduler.Step(1.0, Samples[c.Rank]);
                return (scheduler.Step(1.0, Samples[c.Rank]).Action, Met: met);
            },
            timeout: TimeSpan.FromSeconds(90));

        perRank.Should().OnlyContain(r => r.Action == GrowthAction.DendritesAdded && r.Met);
    }

    [Test]
    public void Step_RanksPassDifferentLearningRates_EveryRankStopsNamingTheRates()
    {
        var act = () => InProcessGroup.Run(2, c =>
        {
            var scheduler = new DistributedGrowthScheduler(c, Models.Wrapped(Models.Mlp()), Models.EagerRules);
            return scheduler.Step(1.0, Samples[c.Rank], learningRate: 0.01 * (c.Rank + 1));
        });

        act.Should().Throw<AggregateException>().Which.InnerExceptions.Should().HaveCount(2)
            .And.AllSatisfy(e => e.Message.Should().Contain("pass every rank the same learning rate"));
    }

    [Test]
    public void Finish_AfterGrowth_EveryRankRestoresTheBestModelAndHoldsIdenticalParameters()
    {
        var perRank = InProcessGroup.Run(2, c =>
        {
            var handle = Models.Wrapped(Models.Mlp());
            var scheduler = new DistributedGrowthScheduler(c, handle, Models.EagerRules);
            scheduler.Step(1.0, Samples[c.Rank]);
            var atBest = Models.Values(handle.Model);
            var grown = scheduler.Step(5.0, Samples[c.Rank]);
            using (no_grad())
            {
                handle.Model.parameters().First().add_(c.Rank + 1);   // training after the growth, different per rank
            }

            var restored = scheduler.Finish();
            return (grown.Action, restored, scheduler.Scheduler.IsCompleted, handle.DendriteCount, atBest, Values: Models.Values(handle.Model));
        });

        perRank.Should().AllSatisfy(r =>
        {
            r.Action.Should().Be(GrowthAction.DendritesAdded);
            r.restored.Should().BeTrue();
            r.IsCompleted.Should().BeTrue();
            r.DendriteCount.Should().Be(0, "the set added since the best score is removed");
            r.Values.Should().Equal(r.atBest, "the best score's weights come back");
            r.Values.Should().Equal(perRank[0].Values);
        });
    }

    [Test]
    public void Step_EveryRank_SaysRebuildOptimizerAtTheSameValidation()
    {
        // The scheduler builds no optimizer; each rank rebuilds its own when its decision says so, all at once.
        var perRank = InProcessGroup.Run(3, c =>
        {
            var rebuildAt = new List<int>();
            var scheduler = new DistributedGrowthScheduler(c, Models.Wrapped(Models.Mlp()), Models.EagerRules);
            foreach (var scores in LocalScores)
            {
                var decision = scheduler.Step(scores[c.Rank], Samples[c.Rank]);
                if (decision.RebuildOptimizer)
                {
                    rebuildAt.Add(decision.Validation);
                }
            }

            return (rebuildAt, HasOptimizer: scheduler.Scheduler.Optimizer is not null);
        });

        perRank[0].rebuildAt.Should().NotBeEmpty();
        perRank.Should().AllSatisfy(r =>
        {
            r.rebuildAt.Should().Equal(perRank[0].rebuildAt);
            r.HasOptimizer.Should().BeFalse("only Fit builds one");
        });
    }

    [Test]
    public void Step_OneRankReportsAnInvalidScore_EveryOtherRankStopsWithItsReason()
    {
        var run = () => InProcessGroup.Run(3, c =>
        {
            var scheduler = new DistributedGrowthScheduler(c, Models.Wrapped(Models.Mlp()), Models.EagerRules);
            scheduler.Step(1.0, 5);
            scheduler.Step(c.Rank == 1 ? double.NaN : 1.0, 5);
            return 0;
        });

        var errors = run.Should().Throw<AggregateException>().Which.InnerExceptions;
        errors.Should().HaveCount(3);
        errors.OfType<ArgumentOutOfRangeException>().Should().ContainSingle();
        errors.OfType<RankFailedException>().Should().HaveCount(2).And.AllSatisfy(e =>
        {
            e.FailedRank.Should().Be(1);
            e.Message.Should().Contain("NaN");
        });
    }

    [Test]
    public void Step_TheSchedulerThrowsOnOneRank_TheOthersStopInsteadOfHanging()
    {
        var run = () => InProcessGroup.Run(2, c =>
        {
            var scheduler = new DistributedGrowthScheduler(c, Models.Wrapped(Models.Mlp()), Models.EagerRules);
            scheduler.Step(1.0, 5, learningRate: c.Rank == 0 ? -1 : 0.1);
            return 0;
        });

        var errors = run.Should().Throw<AggregateException>().Which.InnerExceptions;
        errors.OfType<ArgumentOutOfRangeException>().Should().ContainSingle();
        errors.OfType<RankFailedException>().Should().ContainSingle().Which.FailedRank.Should().Be(0);
    }

    [Test]
    public void Constructor_BestWeightsOnDisk_ThrowsInvalidOptions()
    {
        var act = () => InProcessGroup.Run(1, c => new DistributedGrowthScheduler(c, Models.Wrapped(Models.Mlp()), Models.EagerRules with { BestWeightsDirectory = Folder }));

        act.Should().Throw<AggregateException>().Which.InnerExceptions.Should().ContainSingle().Which.Should().BeOfType<InvalidOptionsException>();
    }

    [Test]
    public void Step_NoRankHasSamples_ThrowsOnEveryRank()
    {
        var act = () => InProcessGroup.Run(2, c =>
        {
            var scheduler = new DistributedGrowthScheduler(c, Models.Wrapped(Models.Mlp()), Models.EagerRules);
            return scheduler.Step(0, 0);
        });

        act.Should().Throw<AggregateException>().Which.InnerExceptions.Should().HaveCount(2).And.Contain(e => e is ArgumentOutOfRangeException);
    }

}
