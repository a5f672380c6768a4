using System;
using System.IO;
using System.Linq;
using Dendritic.Tests.Growth;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

[TestFixture]
public sealed class AdoptTests
{
    [SetUp]
    public void Seed() => manual_seed(11);

    [Test]
    public void Adopt_HandBuiltModel_GivesAHandleOverItsDendriteLayers()
    {
        var model = HandBuilt(2);

        var handle = Dendrites.Adopt(model);

        handle.Layers.Select(l => l.Name).Should().Equal("fc1", "fc2");
        handle.Layers.Should().OnlyContain(l => l.Mode == AttachMode.Replaced);
        handle.DendriteCount.Should().Be(2);
        handle.DendriteParameters().Should().NotBeEmpty();
    }

    [Test]
    public void Adopt_ThenScheduler_GrowsEveryLayerAndLogsToTheHandlesLogger()
    {
        var model = HandBuilt(0);
        var logger = new RecordingLogger();
        var handle = Dendrites.Adopt(model, new AdoptOptions { Logger = logger });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options with { Patience = 0 });

        scheduler.Step(1);
        var decision = scheduler.Step(1);

        decision.Action.Should().Be(GrowthAction.DendritesAdded);
        model.modules().OfType<DendriteLayer>().Should().OnlyContain(l => l.DendriteCount == 1);
        logger.Entries.Should().Contain(e => e.EventId == 1007);
        logger.Entries.Should().Contain(e => e.EventId >= 3000 && e.EventId < 4000, "the scheduler logs its decisions to the handle's logger");
    }

    [Test]
    public void Adopt_ThenPrune_CoversEveryLayer()
    {
        var model = HandBuilt(2);
        foreach (var layer in model.modules().OfType<DendriteLayer>())
        {
            using (no_grad())
            {
                layer.Branch.Sets[0].OutputScale.fill_(1);
                layer.Branch.Sets[1].OutputScale.zero_();
            }
        }

        var report = DendritePruner.Prune(Dendrites.Adopt(model), new PruningOptions { MaxOutputScale = 0 });

        report.SetsRemoved.Should().Be(2);
        model.modules().OfType<DendriteLayer>().Should().OnlyContain(l => l.DendriteCount == 1);
    }

    [Test]
    public void Adopt_SaveCheckpointThenLoadIntoAFreshHandBuiltModel_GivesTheSameOutput()
    {
        var path = Path.Combine(Path.GetTempPath(), $"adopt-{Guid.NewGuid():N}.dckpt");
        try
        {
            var model = HandBuilt(2);
            DendriteCheckpoint.Save(Dendrites.Adopt(model), path);
            using var x = randn(5, 4);
            using var expected = model.call(x).detach();

            var fresh = HandBuilt(0);
            var loaded = DendriteCheckpoint.Load(fresh, path);

            loaded.Handle.DendriteCount.Should().Be(2);
            using var actual = fresh.call(x).detach();
            actual.allclose(expected).Should().BeTrue();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Adopt_SchedulerCheckpoint_ResumesOnAFreshHandBuiltModel()
    {
        var path = Path.Combine(Path.GetTempPath(), $"adopt-{Guid.NewGuid():N}.dckpt");
        try
        {
            var options = ClassicRules.Options with { Patience = 0 };
            var scheduler = new GrowthScheduler(Dendrites.Adopt(HandBuilt(0)), options);
            scheduler.Step(1);
            scheduler.Step(1);
            scheduler.SaveCheckpoint(path);

            var resumed = GrowthScheduler.Resume(DendriteCheckpoint.Load(HandBuilt(0), path), options);

            resumed.DendriteCount.Should().Be(scheduler.DendriteCount);
            resumed.Phase.Should().Be(scheduler.Phase);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".best");
        }
    }

    [Test]
    public void Adopt_ModelWithoutDendriteLayers_ThrowsNamingTheFix()
    {
        var act = () => Dendrites.Adopt(nn.Sequential(("fc", nn.Linear(2, 2))));

        act.Should().Throw<DendriteWrapException>().WithMessage("*holds no DendriteLayer*Dendrites.Wrap*");
    }

    [Test]
    public void Adopt_Twice_Throws()
    {
        var model = HandBuilt(1);
        Dendrites.Adopt(model);

        var act = () => Dendrites.Adopt(model);

        act.Should().Throw<DendriteWrapException>().WithMessage("*already has a handle*");
    }

    [Test]
    public void Wrap_AfterAdopt_Throws()
    {
        var model = HandBuilt(1);
        Dendrites.Adopt(model);

        var act = () => Dendrites.Wrap(model);

        act.Should().Throw<DendriteWrapException>().WithMessage("*already wrapped or adopted*");
    }

    [Test]
    public void Adopt_AfterWrap_Throws()
    {
        var model = nn.Sequential(("fc", nn.Linear(2, 2)));
        Dendrites.Wrap(model);

        var act = () => Dendrites.Adopt(model);

        act.Should().Throw<DendriteWrapException>().WithMessage("*already has a handle*");
    }

    [Test]
    public void Unwrap_Adopted_PutsTheHostsBackAndAllowsWrapping()
    {
        var model = HandBuilt(1);
        var handle = Dendrites.Adopt(model);

        handle.Unwrap();

        model.named_children().Select(c => c.module.GetType()).Should().Equal(typeof(Linear), typeof(Tanh), typeof(Linear));
        Dendrites.Wrap(model).Layers.Should().HaveCount(2);
    }

    [Test]
    public void Unwrap_AdoptedSingleLayer_StaysWithoutDendrites()
    {
        var layer = new DendriteLayer(nn.Linear(3, 2), dendrites: 2);
        var handle = Dendrites.Adopt(layer);

        handle.Unwrap();

        layer.DendriteCount.Should().Be(0);
    }

    [Test]
    public void BaseStateDict_AdoptedSingleLayer_HasOnlyTheHostKeys()
    {
        var layer = new DendriteLayer(nn.Linear(3, 2), dendrites: 1);

        var handle = Dendrites.Adopt(layer);

        handle.BaseStateDict().Keys.Should().BeEquivalentTo("weight", "bias");
    }

    [Test]
    public void AdoptOptions_Defaults_LogNowhere()
    {
        new AdoptOptions().Logger.Should().BeSameAs(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
    }

    [Test]
    public void AdoptOptions_NullLogger_ThrowsNamingIt()
    {
        var act = () => Dendrites.Adopt(HandBuilt(1), new AdoptOptions { Logger = null! });

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("Logger");
    }

    private static Sequential HandBuilt(int dendrites) =>
        nn.Sequential(("fc1", new DendriteLayer(nn.Linear(4, 6), dendrites: dendrites)), ("act", nn.Tanh()), ("fc2", new DendriteLayer(nn.Linear(6, 2), dendrites: dendrites)));
}
