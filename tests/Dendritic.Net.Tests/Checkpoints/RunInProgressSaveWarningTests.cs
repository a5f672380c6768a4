using System.IO;
using System.Linq;
using Dendritic.Testing;
using Dendritic.Tests.Growth;
using Dendritic.Tests.Support;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// Warning 1106: <see cref="DendriteCheckpoint.Save"/> during a growth run writes the model only, which cannot resume
/// the run; <see cref="GrowthScheduler.SaveCheckpoint"/> is the door for that. The save still happens.
/// </summary>
[TestFixture]
public sealed class RunInProgressSaveWarningTests : TempFolderTest
{
    [SetUp]
    public void SeedRandom() => manual_seed(6);

    [Test]
    public void Save_SchedulerAfterAScoreNotCompleted_WritesTheFileAndWarnsNamingSaveCheckpoint()
    {
        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0, Logger = logger });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options);
        scheduler.Step(1.0);
        var path = Temp.File("model.dndt");

        DendriteCheckpoint.Save(handle, path);

        File.Exists(path).Should().BeTrue("the save is not refused");
        var warning = logger.Entries.Should().ContainSingle(e => e.EventId == 1106).Which;
        warning.Level.Should().Be(LogLevel.Warning);
        warning.Message.Should().StartWith($"Saved checkpoint {path} with DendriteCheckpoint.Save while this handle's GrowthScheduler is running ({scheduler.Phase}, validation 1)")
            .And.Contain("GrowthScheduler.Resume cannot continue the run from it")
            .And.EndWith("call scheduler.SaveCheckpoint(path)");
        logger.Entries.Select(e => e.EventId).Should().ContainInOrder(1100, 1106);
    }

    [Test]
    public void Save_SchedulerBeforeItsFirstScore_DoesNotWarn()
    {
        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0, Logger = logger });
        _ = new GrowthScheduler(handle, ClassicRules.Options);

        DendriteCheckpoint.Save(handle, Temp.File("model.dndt"));

        logger.Entries.Should().NotContain(e => e.EventId == 1106);
    }

    [Test]
    public void Save_SchedulerCompleted_DoesNotWarn()
    {
        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0, Logger = logger });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options);
        scheduler.Step(1.0);
        scheduler.Finish();

        DendriteCheckpoint.Save(handle, Temp.File("model.dndt"));

        logger.Entries.Should().NotContain(e => e.EventId == 1106);
    }

    [Test]
    public void SaveCheckpoint_SchedulerAfterAScore_DoesNotWarn()
    {
        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0, Logger = logger });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options);
        scheduler.Step(1.0);

        scheduler.SaveCheckpoint(Temp.File("run.dndt"));

        logger.Entries.Should().NotContain(e => e.Level >= LogLevel.Warning);
    }

    [Test]
    public void Step_BestWeightsKeptOnDisk_TheSchedulersOwnSavesDoNotWarn()
    {
        // With GrowthOptions.BestWeightsDirectory the scheduler writes its best model with the checkpoint code during
        // the run (here at both scores, each a new best): that is not the user's save, so neither 1106 nor 1103
        // applies to it.
        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0, Logger = logger });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options with { BestWeightsDirectory = Temp.File("best") });

        scheduler.Step(1.0);
        scheduler.Step(2.0);

        Directory.EnumerateFiles(Temp.File("best")).Should().NotBeEmpty("the best weights went to disk");
        logger.Entries.Should().NotContain(e => e.EventId == 1106 || e.EventId == 1103);
    }

    [Test]
    public void Save_ResumedRunAfterAScore_WarnsAs1106NotAs1103()
    {
        // A resumed run is a run in progress again: a plain save of it cannot resume it (1106); it is no longer a
        // resume point's last epoch loaded without Resume (1103).
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options);
        scheduler.Step(1.0);
        var path = Temp.File("run.dndt");
        scheduler.SaveCheckpoint(path);
        var logger = new RecordingLogger();
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path, new CheckpointLoadOptions { Logger = logger });
        _ = GrowthScheduler.Resume(loaded);

        DendriteCheckpoint.Save(loaded.Handle, Temp.File("copy.dndt"));

        logger.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => e.EventId).Should().Equal(1106);
    }
}
