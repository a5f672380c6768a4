using System;
using System.IO;
using System.Security.Cryptography;
using FluentAssertions;
using NUnit.Framework;
using Dendritic.Testing;

namespace Dendritic.Tests.Growth;

public sealed class BestWeightsStoreTests : TempFolderTest
{
    [TestCase(BestWeightsKept.Memory)]
    [TestCase(BestWeightsKept.Disk)]
    public void Restore_AfterCapture_BringsBackTheCapturedWeights(BestWeightsKept storage)
    {
        var model = new FakeGrowthModel { Version = 3 };
        var store = BestWeightsStore.For(Options(storage), model);
        store.Capture();
        model.Train();

        store.Restore();

        model.Version.Should().Be(3);
    }

    [TestCase(BestWeightsKept.Memory)]
    [TestCase(BestWeightsKept.Disk)]
    public void Import_OfExportedWeights_RestoresThemInAFreshStore(BestWeightsKept storage)
    {
        var model = new FakeGrowthModel { Version = 5 };
        var store = BestWeightsStore.For(Options(storage), model);
        store.Capture();
        var file = Path.Combine(Folder, "exported.best");
        store.Export(file);
        model.Version = 9;

        var fresh = BestWeightsStore.For(Options(storage, Path.Combine(Folder, "other")), model);
        fresh.Import(file);
        fresh.Restore();

        model.Version.Should().Be(5);
    }

    [TestCase(BestWeightsKept.Memory)]
    [TestCase(BestWeightsKept.Disk)]
    public void Export_AfterCapture_ReturnsTheSha256AndSizeOfTheFileWritten(BestWeightsKept storage)
    {
        var store = BestWeightsStore.For(Options(storage), new FakeGrowthModel { Version = 7 });
        store.Capture();
        var file = Path.Combine(Folder, "exported.best");

        var (sha256, bytes) = store.Export(file);

        var written = File.ReadAllBytes(file);
        sha256.Should().Be(Convert.ToHexStringLower(SHA256.HashData(written)), "the digest is what sha256sum prints for the file");
        bytes.Should().Be(written.Length);
    }

    [TestCase(BestWeightsKept.Memory)]
    [TestCase(BestWeightsKept.Disk)]
    public void ImportIfDigest_FileWithTheRecordedDigest_TakesItsWeights(BestWeightsKept storage)
    {
        var model = new FakeGrowthModel { Version = 5 };
        var file = Path.Combine(Folder, "exported.best");
        var (sha256, bytes) = Exported(storage, model, file);
        model.Version = 9;
        var fresh = BestWeightsStore.For(Options(storage, Path.Combine(Folder, "other")), model);

        var found = fresh.ImportIfDigest(file, sha256, bytes);

        found.Should().Be((bytes, sha256));
        model.SnapshotsLoaded.Should().Be(storage == BestWeightsKept.Memory ? 1 : 0, "in memory the file is loaded once it is known to be the recorded one; on disk it is copied");
        fresh.Restore();
        model.Version.Should().Be(5);
    }

    [TestCase(BestWeightsKept.Memory)]
    [TestCase(BestWeightsKept.Disk)]
    public void ImportIfDigest_SameSizedFileOfAnotherDigest_TakesNothingAndReturnsItsDigest(BestWeightsKept storage)
    {
        var model = new FakeGrowthModel { Version = 5 };
        var file = Path.Combine(Folder, "exported.best");
        var (sha256, bytes) = Exported(storage, model, file);
        var other = Path.Combine(Folder, "other.best");
        model.Version = 6;
        var (otherSha256, otherBytes) = Exported(storage, model, other);
        otherBytes.Should().Be(bytes, "the two files differ only in one digit");
        var directory = Path.Combine(Folder, "other");
        var fresh = BestWeightsStore.For(Options(storage, directory), model);
        fresh.Capture();
        model.Version = 9;

        var found = fresh.ImportIfDigest(other, sha256, bytes);

        found.Should().Be((bytes, otherSha256));
        model.SnapshotsLoaded.Should().Be(0, "a file whose digest is not the recorded one is hashed only, never loaded");
        fresh.Restore();
        model.Version.Should().Be(6, "the weights kept before are still the kept ones: the other file was hashed but not taken");
        Directory.GetFiles(Folder, "*.tmp", SearchOption.AllDirectories).Should().BeEmpty("a file whose digest differs is not copied");
    }

    [Test]
    public void ImportIfDigest_StoreDirectoryCannotTakeACopy_ReportsAnotherFilesDigestAndFailsOnlyOnTheRecordedFile()
    {
        // A directory that cannot take the copy stands for a full disk: the copy of the recorded file fails, and a
        // file that is not the recorded one is reported as such, never hidden behind the copy's error.
        var model = new FakeGrowthModel { Version = 5 };
        var file = Path.Combine(Folder, "exported.best");
        var (sha256, bytes) = Exported(BestWeightsKept.Disk, model, file);
        var other = Path.Combine(Folder, "other.best");
        model.Version = 6;
        var (otherSha256, _) = Exported(BestWeightsKept.Disk, model, other);
        var directory = Path.Combine(Folder, "gone");
        var fresh = BestWeightsStore.For(Options(BestWeightsKept.Disk, directory), model);
        Directory.Delete(directory);

        var found = fresh.ImportIfDigest(other, sha256, bytes);
        var recorded = () => fresh.ImportIfDigest(file, sha256, bytes);

        found.Should().Be((bytes, otherSha256));
        recorded.Should().Throw<IOException>("the recorded file could not be copied, and that is the error to report");
        fresh.HasWeights.Should().BeFalse();
    }

    [Test]
    public void ImportIfDigest_FileOfAnotherSize_ReadsNothing()
    {
        var model = new FakeGrowthModel { Version = 5 };
        var file = Path.Combine(Folder, "exported.best");
        var (sha256, bytes) = Exported(BestWeightsKept.Memory, model, file);
        var fresh = BestWeightsStore.For(Options(BestWeightsKept.Memory), model);

        var found = fresh.ImportIfDigest(file, sha256, bytes + 1);

        found.Should().Be((bytes, (string?)null));
        model.SnapshotsLoaded.Should().Be(0, "a file of another size cannot be the recorded one, so it is not read");
        fresh.HasWeights.Should().BeFalse();
        fresh.ImportIfDigest(Path.Combine(Folder, "missing.best"), sha256, bytes).Should().BeNull();
    }

    [Test]
    public void InMemory_BeforeCapture_HasNoWeightsAndCannotRestore()
    {
        var store = BestWeightsStore.For(Options(BestWeightsKept.Memory), new FakeGrowthModel());

        var act = () => store.Restore();

        store.HasWeights.Should().BeFalse("a checkpoint saved before the first score has no best-weights file to carry");
        act.Should().Throw<InvalidOperationException>().WithMessage("No best weights were captured or imported.");
        store.Capture();
        store.HasWeights.Should().BeTrue();
    }

    [Test]
    public void OnDisk_Capture_CreatesItsDirectoryAndHasWeights()
    {
        var directory = Path.Combine(Folder, "nested", "best");

        var store = BestWeightsStore.For(Options(BestWeightsKept.Disk, directory), new FakeGrowthModel());
        var before = store.HasWeights;
        store.Capture();

        Directory.Exists(directory).Should().BeTrue();
        before.Should().BeFalse();
        store.HasWeights.Should().BeTrue("a checkpoint carries a copy: later improvements overwrite the directory's file");
    }

    private (string Sha256, long Bytes) Exported(BestWeightsKept storage, FakeGrowthModel model, string file)
    {
        var store = BestWeightsStore.For(Options(storage), model);
        store.Capture();
        return store.Export(file);
    }

    // On disk in the given folder (by default "disk"); in memory no folder is given, since a folder means disk.
    private GrowthOptions Options(BestWeightsKept storage, string? directory = null) =>
        new GrowthOptions { BestWeightsDirectory = storage == BestWeightsKept.Disk ? directory ?? Path.Combine(Folder, "disk") : null }.Validate();
}
