using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Dendritic.Testing;
using Dendritic.Tests.Growth;
using Dendritic.Tests.Support;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using static Dendritic.Tests.Support.Perturbation;
using static TorchSharp.torch;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// The growth scheduler's best-weights file (<c>{checkpoint}.best</c>) is a checkpoint: <c>run.dndt</c> resumes,
/// <c>run.dndt.best</c> deploys. Before, in memory it was a file of its own format, which <see cref="DendriteCheckpoint.Load"/>
/// refused as "not a Dendritic.Net checkpoint", while <c>run.dndt</c> loaded the last epoch's model without a word.
/// </summary>
[TestFixture]
public sealed class BestWeightsFileTests : TempFolderTest
{
    [SetUp]
    public void SeedRandom() => manual_seed(3);

    [TestCase(BestWeightsKept.Memory)]
    [TestCase(BestWeightsKept.Disk)]
    public void Load_BestFileOfARunInProgress_GivesTheBestModelWhileTheCheckpointGivesTheLastEpoch(BestWeightsKept storage)
    {
        var path = Temp.File("run.dndt");
        using var input = Input();
        using var best = SaveRunInProgress(path, storage, input);

        var deployed = TestModels.TanhMlp();
        var fromBest = DendriteCheckpoint.Load(deployed, path + ".best");
        var resumePoint = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        fromBest.Handle.DendriteCount.Should().Be(0, "the best score was reached before the growth");
        resumePoint.Handle.DendriteCount.Should().Be(1, "the run checkpoint holds the model as the last epoch left it");
        GrowthSchedulerState.FromCheckpoint(fromBest).Should().BeNull("the best model is a plain checkpoint, no resume point");
        using var output = deployed.call(input).detach();
        TensorAssert.Identical(output, best, "the .best file holds the weights of the best score");
    }

    [Test]
    public void Load_ResumePoint_LogsItAtInformationOnlyAndNamesTheBestFile()
    {
        // Load then Resume is the documented path: a warning there would teach users to ignore warnings.
        var path = Temp.File("run.dndt");
        using var input = Input();
        SaveRunInProgress(path, BestWeightsKept.Memory, input).Dispose();
        var atResumePoint = new RecordingLogger();
        var atBest = new RecordingLogger();

        DendriteCheckpoint.Load(TestModels.TanhMlp(), path, new CheckpointLoadOptions { Logger = atResumePoint });
        DendriteCheckpoint.Load(TestModels.TanhMlp(), path + ".best", new CheckpointLoadOptions { Logger = atBest });

        var note = atResumePoint.Entries.Should().ContainSingle(e => e.EventId == 1104).Which;
        note.Level.Should().Be(LogLevel.Information);
        note.Message.Should().Contain("is a resume point").And.Contain($"the best model is {Path.GetFullPath(path)}.best");
        atResumePoint.Entries.Should().NotContain(e => e.Level >= LogLevel.Warning);
        atBest.Entries.Should().NotContain(e => e.EventId == 1103 || e.EventId == 1104);
    }

    [Test]
    public void Load_CheckpointOfACompletedRunOrBeforeTheFirstScore_DoesNotWarn()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options);
        var early = Temp.File("early.dndt");
        scheduler.SaveCheckpoint(early);
        scheduler.Step(1.0);
        scheduler.Finish();
        var completed = Temp.File("completed.dndt");
        scheduler.SaveCheckpoint(completed);
        var logger = new RecordingLogger();

        DendriteCheckpoint.Load(TestModels.TanhMlp(), early, new CheckpointLoadOptions { Logger = logger });
        DendriteCheckpoint.Load(TestModels.TanhMlp(), completed, new CheckpointLoadOptions { Logger = logger });

        logger.Entries.Should().NotContain(e => e.EventId == 1103 || e.EventId == 1104, "before the first score there is no best model, and after completion the model is the best");
        logger.Entries.Count(e => e.EventId == 1101).Should().Be(2);
    }

    [Test]
    public void Load_PreReleaseBestWeightsFile_ThrowsCheckpointExceptionSayingWhatToDo()
    {
        var path = Temp.File("run.dndt.best");
        WritePreReleaseBestWeights(path);

        var act = () => DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        act.Should().Throw<CheckpointException>()
            .WithMessage($"'{path}' is a best-weights file of a pre-release Dendritic.Net*not a checkpoint*Finish the run with the version that wrote it*start a new GrowthScheduler*")
            .Which.Should().NotBeOfType<CheckpointCorruptedException>("the file is intact, only of the old format");
    }

    [Test]
    public void Resume_PreReleaseBestWeightsFileWithTheRecordedDigest_ThrowsCheckpointExceptionSayingWhatToDo()
    {
        // A checkpoint of a pre-release run: its state records the digest of its best-weights file, of the old format.
        var path = Temp.File("run.dndt");
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options);
        scheduler.Step(1.0);
        scheduler.SaveCheckpoint(path);
        WritePreReleaseBestWeights(path + ".best");
        var (sha256, bytes) = FileDigest.Of(path + ".best");
        CheckpointForge.Rewrite(path, manifest =>
        {
            var extras = manifest["extras"]!.AsObject();
            var state = System.Text.Json.Nodes.JsonNode.Parse(extras[GrowthScheduler.StateExtrasKey]!.GetValue<string>())!.AsObject();
            state[nameof(GrowthSchedulerState.BestWeightsSha256)] = sha256;
            state[nameof(GrowthSchedulerState.BestWeightsBytes)] = bytes;
            extras[GrowthScheduler.StateExtrasKey] = state.ToJsonString();
        });
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        var act = () => GrowthScheduler.Resume(loaded);

        act.Should().Throw<CheckpointException>().WithMessage("*a best-weights file of a pre-release Dendritic.Net*")
            .Which.Should().NotBeOfType<CheckpointMismatchException>("the file is the recorded one, in the old format");
        loaded.Handle.Scheduler.Should().BeNull("a resume that fails leaves no scheduler on the handle");
    }

    [Test]
    public void Resume_BestWeightsFileWithAFlippedByte_ThrowsMismatchNamingItWithoutLoadingIt()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle);
        scheduler.Step(1.0);
        var path = Temp.File("run.dndt");
        scheduler.SaveCheckpoint(path);
        var best = path + ".best";
        var bytes = File.ReadAllBytes(best);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(best, bytes);
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        var act = () => GrowthScheduler.Resume(loaded);

        // Hashed before it is loaded: a changed byte makes it another file than the recorded one, which is never loaded.
        act.Should().Throw<CheckpointMismatchException>().WithMessage($"*'{best}' has * bytes, SHA-256 *changed byte*");
    }

    [Test]
    public void Resume_IntactBestWeightsFile_RestoresTheSavedWeightsExactly()
    {
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle);
        scheduler.Step(1.0);
        var saved = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        var path = Temp.File("run.dndt");
        scheduler.SaveCheckpoint(path);
        var fresh = TestModels.TanhMlp();
        var resumed = GrowthScheduler.Resume(DendriteCheckpoint.Load(fresh, path));
        Perturb(fresh);

        resumed.Finish().Should().BeTrue();

        foreach (var (key, tensor) in fresh.state_dict())
        {
            tensor.bytes.ToArray().Should().Equal(saved[key].bytes.ToArray(), $"'{key}' comes back bit for bit from the best-weights file");
        }

        SafeTensorsFormat.Dispose(saved);
    }

    private static Tensor Input()
    {
        using var generator = new Generator(5);
        return randn(5, 3, generator: generator);
    }

    /// <summary>
    /// A run stopped between a growth and its next best score, saved with <see cref="GrowthScheduler.SaveCheckpoint"/>:
    /// the best score with no dendrite sets, then a growth (one set) and an epoch of training; returns the model's output
    /// on <paramref name="input"/> at the best score.
    /// </summary>
    private Tensor SaveRunInProgress(string path, BestWeightsKept storage, Tensor input)
    {
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options with
        {
            Patience = 0,
            BestWeightsDirectory = storage == BestWeightsKept.Disk ? Temp.File("best") : null,
        });
        scheduler.Step(1.0);
        var best = model.call(input).detach();
        scheduler.Step(0.5).Action.Should().Be(GrowthAction.DendritesAdded);
        Perturb(model);
        scheduler.SaveCheckpoint(path);
        return best;
    }

    /// <summary>A best-weights file as pre-release versions wrote it: safetensors with the old format's name in its metadata.</summary>
    private static void WritePreReleaseBestWeights(string path)
    {
        using var weights = randn(2, 2);
        var metadata = new Dictionary<string, string> { ["dendrites.fc1"] = "0", ["format"] = "dendritic-best-weights", ["formatVersion"] = "2" };
        using var file = File.Create(path);
        SafeTensorsFormat.Write(file, new List<(string, Tensor)> { ("a", weights) }, metadata);
    }
}
