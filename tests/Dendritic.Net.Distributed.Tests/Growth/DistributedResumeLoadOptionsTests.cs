using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using Dendritic.Distributed.Tests.Support;
using Dendritic.Testing;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Distributed.Tests.Growth;

/// <summary>
/// <see cref="DistributedGrowthScheduler.Resume"/> takes the same <see cref="CheckpointLoadOptions"/> as
/// <see cref="DendriteCheckpoint.Load"/>: a run whose checkpoint needs them (non-finite weights, a module host) resumes
/// on every rank, the handle logs to their logger, and a rank that cannot load stops every rank.
/// </summary>
[TestFixture]
public sealed class DistributedResumeLoadOptionsTests : TempFolderTest
{
    private static readonly ModuleHost BlockHost = ModuleHost.For<Block>(b => new Block(), _ => 3);

    [Test]
    public void Resume_NonFiniteWeightsWithAllowNonFiniteWeights_EveryRankResumesAndKeepsThem()
    {
        var path = SaveRunWithAnInfiniteBias();
        var loggers = new[] { new EventIds(), new EventIds() };
        var options = new CheckpointLoadOptions { AllowNonFiniteWeights = true };

        var resumed = InProcessGroup.Run(2, c =>
        {
            var growth = DistributedGrowthScheduler.Resume(c, Models.Mlp(), path, Models.EagerRules, options with { Logger = loggers[c.Rank] });
            growth.Scheduler.Finish();
            using var bias = growth.Model.Model.state_dict()["fc2.bias"];
            return (growth.Scheduler.ExportState().Validations, Infinite: double.IsPositiveInfinity(bias[0].item<float>()));
        });

        resumed.Should().AllSatisfy(r =>
        {
            r.Validations.Should().Be(1);
            r.Infinite.Should().BeTrue("the best weights, read back with the load's options, hold the infinity");
        });
        loggers.Should().AllSatisfy(l => l.Ids.Should().Contain(1101, "each rank's handle logs to the options' logger"));
    }

    [Test]
    public void Resume_OneRankWithoutTheLoadOptionsTheFileNeeds_ThatRankThrowsAndTheOthersStop()
    {
        var path = SaveRunWithAnInfiniteBias();

        var run = () => InProcessGroup.Run(2, c =>
        {
            var options = c.Rank == 1 ? null : new CheckpointLoadOptions { AllowNonFiniteWeights = true };
            return DistributedGrowthScheduler.Resume(c, Models.Mlp(), path, Models.EagerRules, options);
        });

        var errors = run.Should().Throw<AggregateException>().Which.InnerExceptions;
        errors.OfType<CheckpointCorruptedException>().Should().ContainSingle().Which.Message.Should().Contain("AllowNonFiniteWeights");
        errors.OfType<RankFailedException>().Should().ContainSingle().Which.FailedRank.Should().Be(1);
    }

    [Test]
    public void Resume_ModelWrappedWithAModuleHost_EveryRankLoadsItWithTheHostsInTheLoadOptions()
    {
        var path = Path.Combine(Folder, "block.dndt");
        InProcessGroup.Run(2, c =>
        {
            var handle = Dendrites.Wrap(BlockModel(), new WrapOptions { Targets = LayerSelector.Named("block"), ModuleHosts = [BlockHost], InitialDendrites = 1 });
            var growth = new DistributedGrowthScheduler(c, handle, Models.EagerRules);
            growth.Step(1.0, 5);
            return growth.SaveCheckpoint(path);
        });

        var withoutHosts = () => InProcessGroup.Run(2, c => DistributedGrowthScheduler.Resume(c, BlockModel(), path, Models.EagerRules));
        var resumed = InProcessGroup.Run(2, c =>
        {
            var growth = DistributedGrowthScheduler.Resume(c, BlockModel(), path, Models.EagerRules, new CheckpointLoadOptions { ModuleHosts = [BlockHost] });
            return (growth.Model.DendriteCount, Layers: growth.Model.Layers.Select(l => l.Name).ToList());
        });

        withoutHosts.Should().Throw<AggregateException>().Which.InnerExceptions.Should().HaveCount(2)
            .And.AllSatisfy(e => e.Should().BeOfType<CheckpointMismatchException>().Which.Message.Should().Contain("CheckpointLoadOptions.ModuleHosts"));
        resumed.Should().AllSatisfy(r =>
        {
            r.DendriteCount.Should().Be(1);
            r.Layers.Should().Equal("block");
        });
    }

    private static Sequential BlockModel() => nn.Sequential(("block", new Block()), ("head", nn.Linear(3, 2)));

    // Two ranks score once and save: a model whose bias holds +inf on purpose, which only
    // CheckpointLoadOptions.AllowNonFiniteWeights loads.
    private string SaveRunWithAnInfiniteBias()
    {
        var path = Path.Combine(Folder, "inf.dndt");
        InProcessGroup.Run(2, c =>
        {
            var model = Models.Mlp();
            using (no_grad())
            {
                model.state_dict()["fc2.bias"][0] = double.PositiveInfinity;
            }

            var growth = new DistributedGrowthScheduler(c, Models.Wrapped(model), Models.EagerRules);
            growth.Step(1.0, 5);
            return growth.SaveCheckpoint(path);
        });

        return path;
    }

    /// <summary>A user module (two Linear layers) that carries dendrites as a whole through <see cref="BlockHost"/>.</summary>
    private sealed class Block : nn.Module<Tensor, Tensor>
    {
        private readonly Linear fc1;
        private readonly Linear fc2;

        public Block()
            : base(nameof(Block))
        {
            fc1 = nn.Linear(4, 5);
            fc2 = nn.Linear(5, 3);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => fc2.call(fc1.call(x).tanh());
    }

    /// <summary>Keeps the event id of every log entry.</summary>
    private sealed class EventIds : ILogger
    {
        public ConcurrentQueue<int> Ids { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Ids.Enqueue(eventId.Id);
    }
}
