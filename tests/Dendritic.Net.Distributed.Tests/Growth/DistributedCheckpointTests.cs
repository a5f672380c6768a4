using System;
using System.IO;
using System.Linq;
using Dendritic.Distributed.Tests.Support;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Distributed.Tests.Growth;

/// <summary>
/// Checkpoints under data parallelism: only rank 0 writes, with its optimizer's state when given one; every rank
/// resumes from the one file and loads that state into its own optimizer, or every rank stops.
/// </summary>
[TestFixture]
public sealed class DistributedCheckpointTests : TempFolderTest
{
    [Test]
    public void SaveCheckpoint_EveryRankAsked_OnlyRank0Writes()
    {
        var manifests = InProcessGroup.Run(3, c =>
        {
            var scheduler = new DistributedGrowthScheduler(c, Models.Wrapped(Models.Mlp()), Models.EagerRules);
            scheduler.Step(1.0, 5);
            return (scheduler.IsWriter, Manifest: scheduler.SaveCheckpoint(Path.Combine(Folder, $"rank{c.Rank}.dndt")));
        });

        File.Exists(Path.Combine(Folder, "rank0.dndt")).Should().BeTrue();
        File.Exists(Path.Combine(Folder, "rank1.dndt")).Should().BeFalse();
        File.Exists(Path.Combine(Folder, "rank2.dndt")).Should().BeFalse();
        manifests.Select(m => m.IsWriter).Should().Equal(true, false, false);
        manifests.Select(m => m.Manifest is not null).Should().Equal(true, false, false);
    }

    [Test]
    public void Resume_AllRanksFromOneCheckpoint_SameStateParametersAndNextDecision()
    {
        var path = Path.Combine(Folder, "run.dndt");
        var saved = InProcessGroup.Run(2, c =>
        {
            var handle = Models.Wrapped(Models.Mlp());
            var scheduler = new DistributedGrowthScheduler(c, handle, Models.EagerRules);
            scheduler.Step(1.0, 5);
            scheduler.Step(2.0, 5);
            scheduler.SaveCheckpoint(path);
            var next = scheduler.Step(0.5, 5);
            return (Values: Models.Values(handle.Model), handle.DendriteCount, next.Action, next.Reason);
        });

        var resumed = InProcessGroup.Run(2, c =>
        {
            var scheduler = DistributedGrowthScheduler.Resume(c, Models.Mlp(), path, Models.EagerRules);
            var values = Models.Values(scheduler.Model.Model);
            var next = scheduler.Step(0.5, 5);
            return (Values: values, scheduler.Model.DendriteCount, next.Action, next.Reason, scheduler.Scheduler.History.Entries.Count);
        });

        saved[0].DendriteCount.Should().Be(1);
        resumed.Should().AllSatisfy(r =>
        {
            r.DendriteCount.Should().Be(1);
            r.Values.Should().Equal(resumed[0].Values);
            (r.Action, r.Reason).Should().Be((saved[0].Action, saved[0].Reason));
            r.Count.Should().Be(3);
        });
    }

    [Test]
    public void Resume_FromARunInProgress_DoesNotWarnThatTheFileIsAResumePoint()
    {
        // Saving or exporting a model loaded from such a file without resuming it warns (1103) that it holds the last
        // epoch, not the best model; resuming is what the file is for, so a resumed model's saves do not.
        var path = Path.Combine(Folder, "run.dndt");
        InProcessGroup.Run(1, c =>
        {
            var scheduler = new DistributedGrowthScheduler(c, Models.Wrapped(Models.Mlp()), Models.EagerRules);
            scheduler.Step(1.0, 5);
            return scheduler.SaveCheckpoint(path);
        });
        var logger = new EventIds();

        InProcessGroup.Run(1, c =>
        {
            var resumed = DistributedGrowthScheduler.Resume(c, Models.Mlp(), path, Models.EagerRules, new CheckpointLoadOptions { Logger = logger });
            return DendriteCheckpoint.Save(resumed.Model, Path.Combine(Folder, "copy.dndt"));
        });

        logger.Ids.Should().Contain(1101, "the load is logged").And.Contain(1104, "the file is a resume point").And.NotContain(1103);
    }

    [Test]
    public void LoadOptimizerState_AfterResume_EveryRankGoesOnAsTheSavedRunWould()
    {
        var path = Path.Combine(Folder, "run.dndt");
        var saved = InProcessGroup.Run(2, c =>
        {
            var model = Models.Mlp();
            var scheduler = new DistributedGrowthScheduler(c, Models.Wrapped(model), Models.EagerRules);
            var optimizer = optim.Adam(scheduler.Model.TrainableParameters(), 0.01);
            for (var i = 0; i < 3; i++)
            {
                TrainStep(model, optimizer);
            }

            scheduler.Step(1.0, 5);
            var manifest = scheduler.SaveCheckpoint(path, optimizer: optimizer);
            TrainStep(model, optimizer);
            return (Values: Models.Values(model), Recorded: manifest?.Optimizer);
        });

        var resumed = InProcessGroup.Run(2, c =>
        {
            var model = Models.Mlp();
            var scheduler = DistributedGrowthScheduler.Resume(c, model, path, Models.EagerRules);

            // Another learning rate than the saved one: the state loaded brings the saved rate back.
            var optimizer = optim.Adam(scheduler.Model.TrainableParameters(), 0.5);
            scheduler.LoadOptimizerState(optimizer);
            var steps = ((Adam.State)optimizer.state_dict().State[0]).step;
            TrainStep(model, optimizer);
            return (Values: Models.Values(model), Steps: steps);
        });

        saved[0].Recorded.Should().NotBeNull("rank 0 wrote its optimizer's state");
        saved[1].Recorded.Should().BeNull("only rank 0 writes");
        resumed.Should().AllSatisfy(r =>
        {
            r.Steps.Should().Be(3, "every rank loads the state rank 0 saved");
            r.Values.Should().Equal(saved[0].Values, (a, b) => Math.Abs(a - b) < 1e-6, "the resumed ranks train as the saved run went on");
        });
    }

    [Test]
    public void LoadOptimizerState_OneRankGivenAnotherOptimizerType_ThatRankThrowsMismatchAndTheOthersStop()
    {
        var path = SaveWithAdam();

        var run = () => InProcessGroup.Run(2, c =>
        {
            var scheduler = DistributedGrowthScheduler.Resume(c, Models.Mlp(), path, Models.EagerRules);
            var parameters = scheduler.Model.TrainableParameters();
            scheduler.LoadOptimizerState(c.Rank == 1 ? optim.SGD(parameters, 0.01) : optim.Adam(parameters, 0.01));
            return 0;
        });

        var errors = run.Should().Throw<AggregateException>().Which.InnerExceptions;
        errors.OfType<CheckpointMismatchException>().Should().ContainSingle().Which.Message.Should().Contain("Adam").And.Contain("SGD");
        errors.OfType<RankFailedException>().Should().ContainSingle().Which.FailedRank.Should().Be(1);
    }

    [Test]
    public void LoadOptimizerState_AfterAStep_ThrowsOnEveryRankSayingTheStateIsOutOfDate()
    {
        var path = SaveWithAdam();

        var run = () => InProcessGroup.Run(2, c =>
        {
            var scheduler = DistributedGrowthScheduler.Resume(c, Models.Mlp(), path, Models.EagerRules);
            scheduler.Step(1.0, 5);
            scheduler.LoadOptimizerState(optim.Adam(scheduler.Model.TrainableParameters(), 0.01));
            return 0;
        });

        run.Should().Throw<AggregateException>().Which.InnerExceptions.Should().HaveCount(2)
            .And.AllSatisfy(e => e.Should().BeOfType<InvalidOperationException>().Which.Message.Should().Contain("out of date"));
    }

    [Test]
    public void SaveCheckpoint_EveryEpochWithEachRanksOptimizer_SavesThroughACompletionThatRemovedSets()
    {
        // The README's loop: rebuild when the decision says so, save every epoch with the optimizer in hand. The
        // completion (retries exhausted at the fourth score) removes the retried set, which that optimizer holds.
        var path = Path.Combine(Folder, "run.dndt");
        var results = InProcessGroup.Run(2, c =>
        {
            var model = Models.Mlp();
            var growth = new DistributedGrowthScheduler(c, Models.Wrapped(model), Models.EagerRules);
            var optimizer = optim.Adam(growth.Model.TrainableParameters(), 0.01);
            GrowthDecision decision = null!;
            for (var epoch = 1; epoch <= 4 && !growth.Scheduler.IsCompleted; epoch++)
            {
                TrainStep(model, optimizer);
                decision = growth.Step(epoch, 5);
                if (decision.RebuildOptimizer)
                {
                    optimizer = optim.Adam(decision.TrainableParameters, 0.01);
                }

                growth.SaveCheckpoint(path, optimizer: optimizer);
            }

            return (decision.Reason, growth.Model.DendriteCount, Recorded: DendriteCheckpoint.ReadManifest(path).Optimizer);
        });

        results.Should().AllSatisfy(r =>
        {
            r.Reason.Should().Be(GrowthReason.RetriesExhausted);
            r.DendriteCount.Should().Be(0);
            r.Recorded.Should().BeNull("a completed run trains no more, so its optimizer state is not written");
        });
    }

    // Two ranks save a fresh run with Adam's state; returns the checkpoint's path.
    private string SaveWithAdam()
    {
        var path = Path.Combine(Folder, "run.dndt");
        InProcessGroup.Run(2, c =>
        {
            var scheduler = new DistributedGrowthScheduler(c, Models.Wrapped(Models.Mlp()), Models.EagerRules);
            return scheduler.SaveCheckpoint(path, optimizer: optim.Adam(scheduler.Model.TrainableParameters(), 0.01));
        });

        return path;
    }

    // The same batch on every rank, so the ranks' gradients and optimizers agree without averaging.
    private static void TrainStep(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        model.call(linspace(-1, 1, 20).reshape(5, 4)).square().mean().backward();
        optimizer.step();
    }

    /// <summary>Keeps the event id of every log entry.</summary>
    private sealed class EventIds : Microsoft.Extensions.Logging.ILogger
    {
        public System.Collections.Concurrent.ConcurrentQueue<int> Ids { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Ids.Enqueue(eventId.Id);
    }
}
