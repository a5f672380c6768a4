using System.IO;
using System.Linq;
using Dendritic.Testing;
using Dendritic.Tests.Growth;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Checkpoints;

/// <summary>What saving and loading a checkpoint logs (events 1100, 1101, 1102 and 1105).</summary>
[TestFixture]
public sealed class CheckpointLogTests : TempFolderTest
{
    [SetUp]
    public void SeedRandom() => manual_seed(1);

    [Test]
    public void SaveAndLoad_PathWithDotDot_LogBothWithTheSameFullPath()
    {
        Directory.CreateDirectory(Temp.File("sub"));
        var path = Path.Combine(Temp.Path, "sub", "..", "model.dndt");
        var full = Temp.File("model.dndt");
        var saveLog = new RecordingLogger();
        var loadLog = new RecordingLogger();
        DendriteCheckpoint.Save(Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 1, Logger = saveLog }), path);

        DendriteCheckpoint.Load(TestModels.TanhMlp(), path, new CheckpointLoadOptions { Logger = loadLog });

        saveLog.Entries.Single(e => e.EventId == 1100).Message.Should().StartWith($"Saved checkpoint {full} (");
        loadLog.Entries.Single(e => e.EventId == 1101).Message.Should().StartWith($"Loaded checkpoint {full} written by", "1101 logged the path as given, 1100 the full one");
    }

    [Test]
    public void SaveCheckpoint_AfterAScore_LogsBothFilesTheBestModelLast()
    {
        // The .best is the file to deploy: a user reading the log must find it there, not only the resume point.
        var path = Temp.File("run.dndt");
        var log = new RecordingLogger();
        var scheduler = new GrowthScheduler(Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { Logger = log }), ClassicRules.Options);
        scheduler.Step(0.5);

        scheduler.SaveCheckpoint(path);

        var saved = log.Entries.Where(e => e.EventId is 1100 or 1105).ToList();
        saved.Select(e => e.EventId).Should().Equal(1100, 1105);
        saved[1].Message.Should().Be($"Saved best model {path}.best ({new FileInfo(path + ".best").Length} bytes) beside resume point {path}; DendriteCheckpoint.Load deploys it");
    }

    [Test]
    public void LoadOptimizerState_LogsTheFileTheOptimizerAndItsSize()
    {
        var path = Temp.File("run.dndt");
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 1 });
        var manifest = DendriteCheckpoint.Save(handle, path, optimizer: TorchSharp.torch.optim.Adam(handle.TrainableParameters()));
        var log = new RecordingLogger();
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path, new CheckpointLoadOptions { Logger = log });

        DendriteCheckpoint.LoadOptimizerState(loaded, TorchSharp.torch.optim.Adam(loaded.Handle.TrainableParameters()));

        log.Entries.Single(e => e.EventId == 1102).Message.Should().Be($"Loaded the optimizer state of checkpoint {path} into the TorchSharp.Modules.Adam (10 parameters in 1 group(s), {manifest.Optimizer!.Bytes} bytes)");
    }

    [Test]
    public void Load_CheckpointWithSets_LogsTheSetsItRestored()
    {
        var even = Temp.File("even.dndt");
        DendriteCheckpoint.Save(Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 1 }), even);
        var built = HandBuilt();
        ((DendriteLayer)built[0]).AddDendrites(2);
        ((DendriteLayer)built[2]).AddDendrites(1);
        var uneven = Temp.File("uneven.dndt");
        DendriteCheckpoint.Save(Dendrites.Adopt(built), uneven);
        var evenLog = new RecordingLogger();
        var unevenLog = new RecordingLogger();

        DendriteCheckpoint.Load(TestModels.TanhMlp(), even, new CheckpointLoadOptions { Logger = evenLog });
        DendriteCheckpoint.Load(HandBuilt(), uneven, new CheckpointLoadOptions { Logger = unevenLog });

        evenLog.Entries.Select(e => e.EventId).Should().ContainInOrder(1000, 1101);
        evenLog.Entries.Single(e => e.EventId == 1101).Message.Should().EndWith(": 2 wrapped layers restored with 1 dendrite set(s) per layer", "event 1000 of the wrap inside Load says 0 sets, and no 1002 follows");
        unevenLog.Entries.Single(e => e.EventId == 1101).Message.Should().EndWith(": 2 wrapped layers restored with dendrite sets fc1: 2, fc2: 1");
    }

    private static TorchSharp.Modules.Sequential HandBuilt() =>
        nn.Sequential(("fc1", new DendriteLayer(nn.Linear(3, 4))), ("act", nn.Tanh()), ("fc2", new DendriteLayer(nn.Linear(4, 2))));
}
