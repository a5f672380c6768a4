using System.IO;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// How often a checkpoint's best-weights file (a checkpoint itself) is read. A save reads it once: in memory the weights
/// are serialised once and the finished file read back for its SHA-256 (the zip writer goes back into what it wrote),
/// on disk the copy's source is hashed as it is copied. Resume hashes a file of the recorded size first and reads it
/// again, to load or copy it, only when that digest is the recorded one, after checking the scheduler state.
/// </summary>
[TestFixture]
public sealed class BestWeightsFileReadsTests : TempFolderTest
{
    // 8 MiB of weights: a read of the whole file stands far above whatever else the process reads meanwhile.
    private const int Inputs = 1024;
    private const int Outputs = 2048;

    [SetUp]
    public void SeedRandom() => manual_seed(5);

    [TestCase(BestWeightsKept.Memory)]
    [TestCase(BestWeightsKept.Disk)]
    public void SaveCheckpoint_BestWeights_ReadsTheFileOnce(BestWeightsKept storage)
    {
        var scheduler = new GrowthScheduler(Dendrites.Wrap(Model(), new WrapOptions { InitialDendrites = 0 }), Options(storage));
        scheduler.Step(1.0);
        var path = Temp.File("run.dndt");

        var read = ProcessReads.During(() => scheduler.SaveCheckpoint(path));

        // On disk the file is a copy of the directory's best.dendrites, which the copy reads once; in memory the file
        // written is read back once for the SHA-256 the checkpoint records.
        var best = new FileInfo(path + ".best").Length;
        best.Should().BeGreaterThan(Inputs * Outputs * 4L);
        read.Should().BeInRange(best, best + (best / 4), "the file is read once for the SHA-256 the checkpoint records, not again");
    }

    // On disk the copy is hashed on its way (two reads). In memory the checkpoint is loaded where its zip directory
    // points, so it cannot be hashed on the way: it is hashed once more after the load (three reads).
    [TestCase(BestWeightsKept.Memory, 3)]
    [TestCase(BestWeightsKept.Disk, 2)]
    public void Resume_BestWeights_HashesTheFileThenTakesIt(BestWeightsKept storage, int reads)
    {
        var options = Options(storage);
        var scheduler = new GrowthScheduler(Dendrites.Wrap(Model(), new WrapOptions { InitialDendrites = 0 }), options);
        scheduler.Step(1.0);
        var path = Temp.File("run.dndt");
        scheduler.SaveCheckpoint(path);
        var loaded = DendriteCheckpoint.Load(Model(), path);
        GrowthScheduler? resumed = null;

        var read = ProcessReads.During(() => resumed = GrowthScheduler.Resume(loaded, options));

        var best = new FileInfo(path + ".best").Length;
        read.Should().BeInRange(reads * best, (reads * best) + (best / 2), "the file is hashed in a read of its own, so that only the recorded file is loaded (or copied), and read again to take it");
        resumed!.Finish().Should().BeTrue("the best weights were imported");
    }

    [TestCase(BestWeightsKept.Memory)]
    [TestCase(BestWeightsKept.Disk)]
    public void Resume_BestWeightsWithAChangedByte_ReadsThemOnceAndThrowsMismatch(BestWeightsKept storage)
    {
        var options = Options(storage);
        var scheduler = new GrowthScheduler(Dendrites.Wrap(Model(), new WrapOptions { InitialDendrites = 0 }), options);
        scheduler.Step(1.0);
        var path = Temp.File("run.dndt");
        scheduler.SaveCheckpoint(path);
        var bytes = File.ReadAllBytes(path + ".best");
        bytes[bytes.Length / 2] ^= 1;
        File.WriteAllBytes(path + ".best", bytes);
        var loaded = DendriteCheckpoint.Load(Model(), path);

        var read = ProcessReads.During(() => FluentActions.Invoking(() => GrowthScheduler.Resume(loaded, options))
            .Should().Throw<CheckpointMismatchException>());

        // The count shows the file went through read calls once, for its hash, and not a second time. It cannot show
        // that nothing was loaded or copied: a read through a memory map counts nothing (ProcessReads). That a file
        // whose digest is not the recorded one is never loaded is BestWeightsStoreTests' SnapshotsLoaded == 0.
        read.Should().BeInRange(bytes.Length, bytes.Length + (bytes.Length / 2), "the file is read once, to hash it, and not read again");
    }

    [Test]
    public void Resume_OptionsThatDifferFromTheRecordedOnes_ThrowsBeforeReadingTheBestWeights()
    {
        var options = Options(BestWeightsKept.Memory);
        var scheduler = new GrowthScheduler(Dendrites.Wrap(Model(), new WrapOptions { InitialDendrites = 0 }), options);
        scheduler.Step(1.0);
        var path = Temp.File("run.dndt");
        scheduler.SaveCheckpoint(path);
        var loaded = DendriteCheckpoint.Load(Model(), path);

        var read = ProcessReads.During(() => FluentActions.Invoking(() => GrowthScheduler.Resume(loaded, options with { Patience = options.Patience + 1 }))
            .Should().Throw<System.ArgumentException>().WithMessage("*Patience*"));

        read.Should().BeLessThan(new FileInfo(path + ".best").Length / 4, "a state that cannot be imported is refused before its best weights are read");
    }

    private static nn.Module<Tensor, Tensor> Model() => nn.Sequential(("fc", nn.Linear(Inputs, Outputs)));

    private GrowthOptions Options(BestWeightsKept storage) => new()
    {
        Mode = ScoreMode.Minimize,
        BestWeightsDirectory = storage == BestWeightsKept.Disk ? Temp.File("best") : null,
    };
}
