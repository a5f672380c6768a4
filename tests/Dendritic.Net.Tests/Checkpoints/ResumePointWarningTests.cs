using System;
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
/// Warning 1103 is logged where the resume-point trap is sprung: when a model loaded from a run's checkpoint
/// (<c>run.dndt</c>, the last epoch) is saved as if it were the result, without <see cref="GrowthScheduler.Resume"/>.
/// Not at the load, whose next step is usually Resume; not after Resume; never for the best model's file.
/// </summary>
[TestFixture]
public sealed class ResumePointWarningTests : TempFolderTest
{
    [SetUp]
    public void SeedRandom() => manual_seed(4);

    [Test]
    public void Save_HandleLoadedFromAResumePointWithoutResume_WarnsNamingTheBestFile()
    {
        var path = SaveRunInProgress();
        var logger = new RecordingLogger();
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path, new CheckpointLoadOptions { Logger = logger });

        DendriteCheckpoint.Save(loaded.Handle, Temp.File("deploy.dndt"));

        var warning = logger.Entries.Should().ContainSingle(e => e.EventId == 1103).Which;
        warning.Level.Should().Be(LogLevel.Warning);
        warning.Message.Should().StartWith("Saving a model loaded from " + Path.GetFullPath(path))
            .And.Contain("without GrowthScheduler.Resume").And.Contain("last epoch's weights, not the best")
            .And.Contain($"the best model is {Path.GetFullPath(path)}.best");
    }

    [Test]
    public void Save_HandleLoadedFromAResumePointAndResumed_DoesNotWarnOfTheResumePoint()
    {
        var path = SaveRunInProgress();
        var logger = new RecordingLogger();
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path, new CheckpointLoadOptions { Logger = logger });

        var scheduler = GrowthScheduler.Resume(loaded);
        scheduler.SaveCheckpoint(path);
        DendriteCheckpoint.Save(loaded.Handle, Temp.File("copy.dndt"));

        // The resumed run is in progress, so the plain save warns that it cannot resume it (1106, RunInProgressSaveWarningTests).
        logger.Entries.Should().NotContain(e => e.EventId == 1103);
    }

    [Test]
    public void Save_HandleLoadedFromTheBestFile_DoesNotWarn()
    {
        var path = SaveRunInProgress();
        var logger = new RecordingLogger();
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path + ".best", new CheckpointLoadOptions { Logger = logger });

        DendriteCheckpoint.Save(loaded.Handle, Temp.File("deploy.dndt"));

        logger.Entries.Should().NotContain(e => e.EventId == 1103 || e.EventId == 1104);
    }

    [Test]
    public void Resume_CheckpointLoadedWithNonFiniteWeights_ReadsItsBestFileWithTheSameOptions()
    {
        // The run's model holds an infinite weight (a buffer-like value a user keeps on purpose): its checkpoint loads
        // only with AllowNonFiniteWeights, and so does its best model. Resume read the .best with the defaults.
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        using (no_grad())
        {
            model.state_dict()["fc2.bias"][0] = double.PositiveInfinity;
        }

        var scheduler = new GrowthScheduler(handle, ClassicRules.Options);
        scheduler.Step(1.0);
        var path = Temp.File("inf.dndt");
        scheduler.SaveCheckpoint(path);
        var options = new CheckpointLoadOptions { AllowNonFiniteWeights = true };
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path, options: options);

        var resumed = GrowthScheduler.Resume(loaded);

        resumed.ExportState().Validations.Should().Be(1);
        resumed.Finish();
        using var bias = loaded.Handle.Model.state_dict()["fc2.bias"];
        double.IsPositiveInfinity(bias[0].item<float>()).Should().BeTrue("the best weights, read back with the load's options, hold the infinity");
    }

    /// <summary>A run after its first score, saved with SaveCheckpoint: a resume point with a best model beside it.</summary>
    private string SaveRunInProgress()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options);
        scheduler.Step(1.0);
        var path = Temp.File("run.dndt");
        scheduler.SaveCheckpoint(path);
        return path;
    }
}
