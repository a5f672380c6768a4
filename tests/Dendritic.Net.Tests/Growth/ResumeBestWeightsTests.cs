using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;
using Dendritic.Testing;
using static Dendritic.Tests.Support.Perturbation;

namespace Dendritic.Tests.Growth;

/// <summary>
/// A checkpoint and its best-weights file (<c>{checkpoint}.best</c>) belong together by content: the checkpoint
/// records the file's SHA-256 and size. Before it did, it recorded only the file's name, so a copy of an earlier
/// checkpoint resumed with the best weights of a later save to the original path, and changed every decision from the
/// next growth on.
/// </summary>
[TestFixture]
public sealed class ResumeBestWeightsTests : TempFolderTest
{
    [SetUp]
    public void SeedRandom() => manual_seed(11);

    [TestCase(BestWeightsKept.Memory)]
    [TestCase(BestWeightsKept.Disk)]
    public void Resume_CopyOfAnEarlierCheckpointAfterALaterSave_RestoresTheEarlierBestWeights(BestWeightsKept storage)
    {
        var options = Options(storage);
        var (earlyBest, grow, _) = SaveTwice(options, copyBest: true);
        var early = Temp.File("e34.dndt");

        var model = TestModels.TanhMlp();
        var resumed = GrowthScheduler.Resume(DendriteCheckpoint.Load(model, early), options);
        Perturb(model);
        resumed.Finish();

        using var input = Input();
        using var output = model.call(input).detach();
        TensorAssert.Identical(output, earlyBest, "the copy's own best weights come back, not those of the later save to " + grow);
    }

    [Test]
    public void Resume_BestWeightsFileOverwrittenByALaterSave_ThrowsMismatchNamingBothFilesAndTheFix()
    {
        var options = Options(BestWeightsKept.Memory);
        var (_, grow, _) = SaveTwice(options, copyBest: false);
        var early = Temp.File("e34.dndt");
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), early);

        var act = () => GrowthScheduler.Resume(loaded);

        act.Should().Throw<CheckpointMismatchException>()
            .WithMessage($"Checkpoint '{early}' (validation 1) was saved with a best-weights file of * bytes and SHA-256 *, written as 'grow.dndt.best' beside it*")
            .WithMessage($"*'{grow}.best' has * bytes, SHA-256 * (it belongs to checkpoint '{grow}', saved at validation 2)*")
            .WithMessage("*nothing was loaded*copy both right after SaveCheckpoint*'{name}.best'*");
    }

    [Test]
    public void Resume_BestWeightsFileReplacedByOtherWeightsOfTheModel_ThrowsMismatch()
    {
        // The same model saved at two scores: the files differ only in their weights and their manifests' times (often
        // not even in size; a same-sized file of another digest is BestWeightsStoreTests' and the flipped-byte tests').
        var options = Options(BestWeightsKept.Memory);
        SaveTwice(options, copyBest: false);
        var early = Temp.File("e34.dndt");
        File.Copy(Temp.File("grow.dndt.best"), early + ".best");

        var act = () => GrowthScheduler.Resume(DendriteCheckpoint.Load(TestModels.TanhMlp(), early));

        act.Should().Throw<CheckpointMismatchException>().WithMessage($"*'{early}.best' has * bytes*");
    }

    [Test]
    public void Resume_FileReplacedSinceTheLoad_ThrowsMismatchNamingBothSaves()
    {
        // Resume reads the best weights beside the file Load read: a later save there would lend its own.
        var options = Options(BestWeightsKept.Memory);
        var (_, grow, _) = SaveTwice(options, copyBest: true);
        var early = Temp.File("e34.dndt");
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), early);
        File.Copy(grow, early, overwrite: true);

        var act = () => GrowthScheduler.Resume(loaded);

        act.Should().Throw<CheckpointMismatchException>()
            .WithMessage($"'{early}' was replaced since DendriteCheckpoint.Load read it: the file there was saved * at validation 2, the loaded one * at validation 1*Load the checkpoint at '{early}' again*");
        loaded.Path.Should().Be(Path.GetFullPath(early));
    }

    [Test]
    public void Resume_ManifestLoadedWithLargerBounds_ReadsItAgainWithoutHittingTheDefaultCap()
    {
        // Resume reads the manifest again to check the path; a manifest over the default 16 MiB that the caller loaded
        // with larger bounds must not fail there.
        var scheduler = new GrowthScheduler(Wrap(TestModels.TanhMlp()), Options(BestWeightsKept.Memory));
        scheduler.Step(1);
        var path = Temp.File("large.dndt");
        scheduler.SaveCheckpoint(path, new Dictionary<string, string> { ["notes"] = new string('n', 17 << 20) });
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path, options: new CheckpointLoadOptions { MaxManifestBytes = 64L << 20 });

        var resumed = GrowthScheduler.Resume(loaded);

        resumed.History.Entries.Should().HaveCount(1);
    }

    [Test]
    public void Resume_CheckpointMovedWithItsBestWeightsRenamedAfterIt_Resumes()
    {
        var options = Options(BestWeightsKept.Memory);
        var (_, grow, laterBest) = SaveTwice(options, copyBest: true);
        var moved = Temp.File("moved.dndt");
        File.Move(grow, moved);
        File.Move(grow + ".best", moved + ".best");

        var model = TestModels.TanhMlp();
        var resumed = GrowthScheduler.Resume(DendriteCheckpoint.Load(model, moved));
        Perturb(model);
        resumed.Finish();

        using var input = Input();
        using var output = model.call(input).detach();
        TensorAssert.Identical(output, laterBest, "the file named after the checkpoint is found although the checkpoint recorded 'grow.dndt.best'");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Resume_BestWeightsMissingOrDamaged_LogsNoStateImported(bool damaged)
    {
        var scheduler = new GrowthScheduler(Wrap(TestModels.TanhMlp()), Options(BestWeightsKept.Memory));
        scheduler.Step(1);
        var path = Temp.File("run.dndt");
        scheduler.SaveCheckpoint(path);
        if (damaged)
        {
            var bytes = File.ReadAllBytes(path + ".best");
            bytes[^1] ^= 1;
            File.WriteAllBytes(path + ".best", bytes);
        }
        else
        {
            File.Delete(path + ".best");
        }

        var failing = new RecordingLogger();
        var working = new RecordingLogger();
        var act = () => GrowthScheduler.Resume(DendriteCheckpoint.Load(TestModels.TanhMlp(), path, new CheckpointLoadOptions { Logger = failing }));
        act.Should().Throw<Exception>();
        scheduler.SaveCheckpoint(path);

        GrowthScheduler.Resume(DendriteCheckpoint.Load(TestModels.TanhMlp(), path, new CheckpointLoadOptions { Logger = working }));

        failing.Entries.Should().NotContain(e => e.EventId == 3013, "event 3013 once said 'Scheduler state imported' before the resume failed on its best weights");
        working.Entries.Should().ContainSingle(e => e.EventId == 3013).Which.Message.Should().StartWith("Scheduler state imported: 1 validation(s)");
    }

    [Test]
    public void SaveCheckpoint_AfterAScore_RecordsTheSha256AndSizeOfTheBestWeightsFile()
    {
        var scheduler = new GrowthScheduler(Wrap(TestModels.TanhMlp()), Options(BestWeightsKept.Memory));
        var path = Temp.File("run.dndt");
        var before = scheduler.SaveCheckpoint(path);
        scheduler.Step(1);

        var manifest = scheduler.SaveCheckpoint(path);

        var state = GrowthSchedulerState.FromCheckpoint(manifest)!;
        var bytes = File.ReadAllBytes(path + ".best");
        state.BestWeightsSha256.Should().Be(Convert.ToHexStringLower(SHA256.HashData(bytes)), "the digest is what sha256sum prints for the file");
        state.BestWeightsBytes.Should().Be(bytes.Length);
        manifest.Extras[GrowthScheduler.BestWeightsExtrasKey].Should().Be("run.dndt.best");
        var empty = GrowthSchedulerState.FromCheckpoint(before)!;
        (empty.BestWeightsSha256, empty.BestWeightsBytes).Should().Be(((string?)null, (long?)null), "before the first score there are no best weights to save");
    }

    [Test]
    public void Resume_StateWithoutADigest_TakesTheRecordedFileAsBefore()
    {
        // Checkpoints written before the digest was recorded name their file only; they resume as they did.
        var options = Options(BestWeightsKept.Memory);
        var handle = Wrap(TestModels.TanhMlp());
        var scheduler = new GrowthScheduler(handle, options);
        scheduler.Step(1);
        var path = Temp.File("old.dndt");
        scheduler.SaveBestWeights(path + ".best");
        var state = scheduler.ExportState();
        DendriteCheckpoint.Save(handle, path, new Dictionary<string, string>
        {
            [GrowthScheduler.StateExtrasKey] = state.ToJson(),
            [GrowthScheduler.BestWeightsExtrasKey] = "old.dndt.best",
        });

        var resumed = GrowthScheduler.Resume(DendriteCheckpoint.Load(TestModels.TanhMlp(), path));

        resumed.Finish().Should().BeTrue("the unchecked file's weights were imported");
    }

    [TestCase("not-a-digest", 10L)]
    [TestCase(null, 10L)]
    [TestCase("0000000000000000000000000000000000000000000000000000000000000000", 0L)]
    public void Resume_MalformedDigestInTheState_ThrowsCorrupted(string? sha256, long bytes)
    {
        var handle = Wrap(TestModels.TanhMlp());
        var scheduler = new GrowthScheduler(handle, Options(BestWeightsKept.Memory));
        scheduler.Step(1);
        var path = Temp.File("bad.dndt");
        scheduler.SaveBestWeights(path + ".best");
        var state = JsonNode.Parse(scheduler.ExportState().ToJson())!.AsObject();
        state[nameof(GrowthSchedulerState.BestWeightsSha256)] = sha256;
        state[nameof(GrowthSchedulerState.BestWeightsBytes)] = bytes;
        DendriteCheckpoint.Save(handle, path, new Dictionary<string, string>
        {
            [GrowthScheduler.StateExtrasKey] = state.ToJsonString(),
            [GrowthScheduler.BestWeightsExtrasKey] = "bad.dndt.best",
        });

        var act = () => GrowthScheduler.Resume(DendriteCheckpoint.Load(TestModels.TanhMlp(), path));

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"Checkpoint '{path}' is corrupted: its scheduler state records the best-weights file as SHA-256*");
    }

    private static DendriticModel Wrap(nn.Module model) => Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });

    private static Tensor Input()
    {
        using var generator = new Generator(5);
        return randn(5, 3, generator: generator);
    }

    private GrowthOptions Options(BestWeightsKept storage) => ClassicRules.Options with
    {
        Patience = 50,
        BestWeightsDirectory = storage == BestWeightsKept.Disk ? Temp.File("best") : null,
    };

    /// <summary>
    /// The newcomer's steps: a best score, a save to <c>grow.dndt</c> and a copy to <c>e34.dndt</c> (with or without
    /// its <c>.best</c>), then a better score with other weights and a second save to <c>grow.dndt</c>.
    /// </summary>
    /// <returns>The model's output at the first and at the second best score, and the path of <c>grow.dndt</c>.</returns>
    private (Tensor EarlyBest, string Grow, Tensor LaterBest) SaveTwice(GrowthOptions options, bool copyBest)
    {
        var model = TestModels.TanhMlp();
        var scheduler = new GrowthScheduler(Wrap(model), options);
        using var input = Input();
        var grow = Temp.File("grow.dndt");
        scheduler.Step(1.0);
        var earlyBest = model.call(input).detach();
        scheduler.SaveCheckpoint(grow);
        File.Copy(grow, Temp.File("e34.dndt"));
        if (copyBest)
        {
            File.Copy(grow + ".best", Temp.File("e34.dndt.best"));
        }

        Perturb(model);
        scheduler.Step(2.0).IsNewBest.Should().BeTrue();
        var laterBest = model.call(input).detach();
        scheduler.SaveCheckpoint(grow);
        return (earlyBest, grow, laterBest);
    }
}
