using System.IO;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// How often a checkpoint's best-weights file is read. The save hashed the file by reading it back after writing it,
/// and Resume read it twice, once for its digest and once to load it; the save now hashes the bytes on their way to
/// the file, and Resume checks the digest while it loads, after checking the scheduler state.
/// </summary>
[TestFixture]
public sealed class BestWeightsFileReadsTests
{
    // 8 MiB of weights: a read of the whole file stands far above whatever else the process reads meanwhile.
    private const int Inputs = 1024;
    private const int Outputs = 2048;

    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp()
    {
        manual_seed(5);
        _temp = new TempFolder();
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [TestCase(BestWeightsStorage.Memory, 0)]
    [TestCase(BestWeightsStorage.Disk, 1)]
    public void SaveCheckpoint_BestWeights_ReadsNoFileBack(BestWeightsStorage storage, int copiesRead)
    {
        var scheduler = new GrowthScheduler(Dendrites.Wrap(Model(), new WrapOptions { InitialDendrites = 0 }), Options(storage));
        scheduler.Step(1.0);
        var path = _temp.File("run.dndt");

        var read = ProcessReads.During(() => scheduler.SaveCheckpoint(path));

        // On disk the file is a copy of the directory's best.dendrites, which the copy reads once; in memory nothing is read.
        var best = new FileInfo(path + ".best").Length;
        best.Should().BeGreaterThan(Inputs * Outputs * 4L);
        read.Should().BeInRange(copiesRead * best, (copiesRead * best) + (best / 4), "the SHA-256 the checkpoint records is computed from the bytes written, not from the file read again");
    }

    [TestCase(BestWeightsStorage.Memory)]
    [TestCase(BestWeightsStorage.Disk)]
    public void Resume_BestWeights_ReadsTheFileOnce(BestWeightsStorage storage)
    {
        var options = Options(storage);
        var scheduler = new GrowthScheduler(Dendrites.Wrap(Model(), new WrapOptions { InitialDendrites = 0 }), options);
        scheduler.Step(1.0);
        var path = _temp.File("run.dndt");
        scheduler.SaveCheckpoint(path);
        var loaded = DendriteCheckpoint.Load(Model(), path);
        GrowthScheduler? resumed = null;

        var read = ProcessReads.During(() => resumed = GrowthScheduler.Resume(loaded, path, options));

        var best = new FileInfo(path + ".best").Length;
        read.Should().BeInRange(best, best + (best / 2), "the digest is checked while the file is loaded (or copied), not in a read of its own");
        resumed!.Finish().Should().BeTrue("the best weights were imported");
    }

    [Test]
    public void Resume_OptionsThatDifferFromTheRecordedOnes_ThrowsBeforeReadingTheBestWeights()
    {
        var options = Options(BestWeightsStorage.Memory);
        var scheduler = new GrowthScheduler(Dendrites.Wrap(Model(), new WrapOptions { InitialDendrites = 0 }), options);
        scheduler.Step(1.0);
        var path = _temp.File("run.dndt");
        scheduler.SaveCheckpoint(path);
        var loaded = DendriteCheckpoint.Load(Model(), path);

        var read = ProcessReads.During(() => FluentActions.Invoking(() => GrowthScheduler.Resume(loaded, path, options with { Patience = options.Patience + 1 }))
            .Should().Throw<System.ArgumentException>().WithMessage("*Patience*"));

        read.Should().BeLessThan(new FileInfo(path + ".best").Length / 4, "a state that cannot be imported is refused before its best weights are read");
    }

    private static nn.Module<Tensor, Tensor> Model() => nn.Sequential(("fc", nn.Linear(Inputs, Outputs)));

    private GrowthOptions Options(BestWeightsStorage storage) => new()
    {
        Mode = ScoreMode.Minimize,
        BestWeights = storage,
        BestWeightsDirectory = storage == BestWeightsStorage.Disk ? _temp.File("best") : null,
    };
}
