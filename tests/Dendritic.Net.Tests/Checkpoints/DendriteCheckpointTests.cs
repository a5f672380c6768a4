using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;
using Dendritic.Testing;

namespace Dendritic.Tests.Checkpoints;

[TestFixture]
public sealed class DendriteCheckpointTests : TempFolderTest
{
    [SetUp]
    public void SeedRandom() => manual_seed(3);

    public static IEnumerable<TestCaseData> Models()
    {
        yield return new TestCaseData((Func<nn.Module<Tensor, Tensor>>)(() => TestModels.Mlp()), new long[] { 3, 4 }).SetName("Sequential MLP (replaced)");
        yield return new TestCaseData((Func<nn.Module<Tensor, Tensor>>)(() => new ConcreteFieldModel()), new long[] { 3, 4 }).SetName("Concrete fields (hooked)");
        yield return new TestCaseData((Func<nn.Module<Tensor, Tensor>>)(() => TestModels.Cnn()), new long[] { 2, 1, 8, 8 }).SetName("CNN");
    }

    [TestCaseSource(nameof(Models))]
    public void SaveThenLoad_IntoFreshModel_GivesIdenticalOutputs(Func<nn.Module<Tensor, Tensor>> build, long[] inputShape)
    {
        var model = build();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 });
        handle.AddDendrites();
        Randomise(handle);
        handle.Layers[0].Branch.Sets[0].Frozen = true;
        handle.Layers[^1].Enabled = false;
        using var input = randn(inputShape);
        using var expected = model.call(input);
        var path = Path.Combine(Folder, "model.dndt");

        DendriteCheckpoint.Save(handle, path, new Dictionary<string, string> { ["note"] = "hello" });
        var fresh = build();
        var loaded = DendriteCheckpoint.Load(fresh, path);

        using var actual = fresh.call(input);
        TensorAssert.Identical(actual, expected);
        loaded.Handle.Layers.Select(l => l.DendriteCount).Should().AllBeEquivalentTo(3);
        loaded.Handle.Layers[0].Branch.Sets[0].Frozen.Should().BeTrue();
        loaded.Handle.Layers[^1].Enabled.Should().BeFalse();
        loaded.Manifest.Extras.Should().ContainKey("note").WhoseValue.Should().Be("hello");
        loaded.Manifest.LibraryVersion.Should().NotBeNullOrEmpty();
        fresh.state_dict().Keys.Should().Equal(model.state_dict().Keys);
    }

    [Test]
    public void Save_Twice_LeavesNoTemporaryFiles()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp());
        var path = Path.Combine(Folder, "model.dndt");

        DendriteCheckpoint.Save(handle, path);
        DendriteCheckpoint.Save(handle, path);

        Directory.GetFiles(Folder).Select(Path.GetFileName).Should().Equal("model.dndt");
    }

    [Test]
    public void Save_FailsMidway_LeavesPreviousCheckpointIntact()
    {
        var model = new GeneralFieldModel();
        var handle = Dendrites.Wrap(model);
        var path = Path.Combine(Folder, "model.dndt");
        DendriteCheckpoint.Save(handle, path);
        var before = File.ReadAllBytes(path);
        model.register_buffer("unsavable", zeros(2, dtype: ScalarType.ComplexFloat32));

        var act = () => DendriteCheckpoint.Save(handle, path);

        act.Should().Throw<CheckpointException>().WithMessage("*unsavable*");
        File.ReadAllBytes(path).Should().Equal(before);
        Directory.GetFiles(Folder).Should().HaveCount(1);
    }

    [Test]
    public void Load_TruncatedFile_ThrowsCorrupted()
    {
        var path = SaveMlp();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*truncated or corrupted*Restore it from a backup or save it again.");
    }

    [Test]
    public void Load_FlippedWeightByte_ThrowsCorruptedNamingSha()
    {
        var path = SaveMlp();
        var bytes = File.ReadAllBytes(path);
        // The weights entry is stored uncompressed; flip a byte inside its data.
        var marker = System.Text.Encoding.ASCII.GetBytes("data_offsets");
        var at = bytes.AsSpan().IndexOf(marker) + 400;
        bytes[at] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>();
    }

    [Test]
    public void Load_NotACheckpoint_ThrowsCorrupted()
    {
        var path = Path.Combine(Folder, "junk.dndt");
        File.WriteAllText(path, "this is not a zip file");

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>();
    }

    [Test]
    public void Load_IntoWiderModel_ThrowsMismatchNamingTheLayer()
    {
        var path = SaveMlp();

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(hidden: 9), path);

        act.Should().Throw<CheckpointMismatchException>()
            .WithMessage($"Layer 'fc1' differs: the checkpoint '{path}' has Linear(4→8)*Linear(4→9)*")
            .Which.LayerName.Should().Be("fc1");
    }

    [Test]
    public void Load_IntoModelMissingTheLayer_ThrowsMismatchListingLayers()
    {
        var path = SaveMlp();

        var act = () => DendriteCheckpoint.Load(new GeneralFieldModel(), path);

        act.Should().Throw<CheckpointMismatchException>().WithMessage("*fc1*");
    }

    [Test]
    public void Load_IntoAModelThatHooksWhatWasReplaced_SaysTheAttachmentChanged()
    {
        manual_seed(1);
        var path = Path.Combine(Folder, "replaced.dndt");
        DendriteCheckpoint.Save(Dendrites.Wrap(new GeneralFieldModel(), new WrapOptions { InitialDendrites = 1 }), path);

        var act = () => DendriteCheckpoint.Load(new ConcreteFieldModel(), path);

        act.Should().Throw<CheckpointMismatchException>()
            .WithMessage("*does not fit the model: missing in the file [*and * more]*attached differently from when the file was saved*'fc1' (saved Replaced, now Hooked), 'fc2' (saved Replaced, now Hooked); attach them the same way*");
    }

    [Test]
    public void Load_IntoModelWithAHandle_ThrowsPointingToRestore()
    {
        var path = SaveMlp();
        var model = TestModels.Mlp();
        Dendrites.Wrap(model);

        var act = () => DendriteCheckpoint.Load(model, path);

        act.Should().Throw<DendriteWrapException>().WithMessage("*already has a handle*DendriteCheckpoint.Restore(handle, path)*");
    }

    [Test]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), Path.Combine(Folder, "none.dndt"));

        act.Should().Throw<FileNotFoundException>();
    }

    [Test]
    public void Restore_MissingFile_ThrowsFileNotFoundAndLeavesTheModel()
    {
        var model = TestModels.Mlp();
        var handle = Dendrites.Wrap(model);
        var keys = model.state_dict().Keys.ToList();

        var act = () => DendriteCheckpoint.Restore(handle, Path.Combine(Folder, "none.dndt"));

        act.Should().Throw<FileNotFoundException>();
        model.state_dict().Keys.Should().Equal(keys);
    }

    [Test]
    public void Restore_IntoGrownModel_GoesBackToSavedStructureAndWeights()
    {
        var model = TestModels.Mlp();
        var handle = Dendrites.Wrap(model);
        Randomise(handle);
        using var input = randn(2, 4);
        using var saved = model.call(input);
        var path = Path.Combine(Folder, "best.dndt");
        DendriteCheckpoint.Save(handle, path);
        handle.AddDendrites(2);
        Randomise(handle);

        DendriteCheckpoint.Restore(handle, path);

        handle.DendriteCount.Should().Be(1);
        using var restored = model.call(input);
        TensorAssert.Identical(restored, saved);
    }

    [Test]
    public void ReadManifest_DescribesLayers()
    {
        var path = SaveMlp();

        var manifest = DendriteCheckpoint.ReadManifest(path);

        manifest.Format.Should().Be("dendritic-checkpoint");
        manifest.Layers.Select(l => (l.Name, l.DendriteCount, l.Host.Kind)).Should().Equal(("fc1", 1, HostKind.Linear), ("fc2", 1, HostKind.Linear));
        manifest.WeightsSha256.Should().HaveLength(64);
    }

    private string SaveMlp()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp());
        var path = Path.Combine(Folder, "mlp.dndt");
        DendriteCheckpoint.Save(handle, path);
        return path;
    }

    private static void Randomise(DendriticModel handle)
    {
        using (no_grad())
        {
            foreach (var parameter in handle.DendriteParameters())
            {
                parameter.normal_();
            }
        }
    }
}
