using System.IO;
using System.Linq;
using Dendritic.Onnx.Tests.Support;
using Dendritic.Testing;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// Exporting a model loaded from a growth run's resume point (<c>run.dndt</c>, the last epoch's weights) without
/// <see cref="GrowthScheduler.Resume"/> logs warning 1103 naming the best model's file; after Resume, or from the
/// <c>.best</c> itself, it does not.
/// </summary>
public class ResumePointExportTests
{
    private TempFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempFolder();

    [TearDown]
    public void RemoveFolder() => _folder.Dispose();

    [Test]
    public void Export_HandleLoadedFromAResumePointWithoutResume_WarnsNamingTheBestFile()
    {
        var path = SaveRunInProgress();
        var logger = new RecordingLogger();
        var loaded = DendriteCheckpoint.Load(Mlp(), path, new CheckpointLoadOptions { Logger = logger });
        using var sample = randn(2, 3);

        OnnxExporter.Export(loaded.Handle, sample, _folder.File("model.onnx"));

        var warning = logger.Entries.Should().ContainSingle(e => e.EventId == 1103).Which;
        warning.Level.Should().Be(LogLevel.Warning);
        warning.Message.Should().StartWith("Exporting to ONNX a model loaded from " + Path.GetFullPath(path))
            .And.Contain($"the best model is {Path.GetFullPath(path)}.best");
    }

    [Test]
    public void Export_HandleResumedOrLoadedFromTheBestFile_DoesNotWarn()
    {
        var path = SaveRunInProgress();
        var logger = new RecordingLogger();
        var resumed = DendriteCheckpoint.Load(Mlp(), path, new CheckpointLoadOptions { Logger = logger });
        GrowthScheduler.Resume(resumed);
        var best = DendriteCheckpoint.Load(Mlp(), path + ".best", new CheckpointLoadOptions { Logger = logger });
        using var sample = randn(2, 3);

        OnnxExporter.ExportToBytes(resumed.Handle, sample);
        OnnxExporter.ExportToBytes(best.Handle, sample);

        logger.Entries.Should().NotContain(e => e.Level >= LogLevel.Warning);
    }

    private static nn.Module<Tensor, Tensor> Mlp()
    {
        torch.manual_seed(6);
        return nn.Sequential(("fc1", nn.Linear(3, 4)), ("act", nn.Tanh()), ("fc2", nn.Linear(4, 2)));
    }

    /// <summary>A run after its first score, saved with SaveCheckpoint: a resume point with a best model beside it.</summary>
    private string SaveRunInProgress()
    {
        var handle = Dendrites.Wrap(Mlp(), new WrapOptions { InitialDendrites = 1 });
        var scheduler = new GrowthScheduler(handle);
        scheduler.Step(1.0);
        var path = _folder.File("run.dndt");
        scheduler.SaveCheckpoint(path);
        return path;
    }
}
