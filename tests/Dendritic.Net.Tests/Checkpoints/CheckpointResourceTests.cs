using System;
using System.IO;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;
using Dendritic.Testing;

namespace Dendritic.Tests.Checkpoints;

/// <summary>Checkpoint operations leave no tensor alive for a finalizer to free (issue 17).</summary>
[TestFixture]
public sealed class CheckpointResourceTests : TempFolderTest
{
    [Test]
    public void Save_LeavesNoLiveTensors()
    {
        var handle = Dendrites.Wrap(TestModels.Cnn(), new WrapOptions { InitialDendrites = 2 });
        var path = Path.Combine(Folder, "cnn.dndt");
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using var scope = NewDisposeScope();

        DendriteCheckpoint.Save(handle, path);

        scope.DisposablesCount.Should().Be(0);
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(live);
    }

    [Test]
    public void ReadManifest_CreatesNoTensorsAndIgnoresTheWeights()
    {
        var handle = Dendrites.Wrap(TestModels.Cnn());
        var path = Path.Combine(Folder, "cnn.dndt");
        DendriteCheckpoint.Save(handle, path);
        // Corrupt the weights' data: the manifest must still read, because it reads nothing else.
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.AsSpan().IndexOf("data_offsets"u8) + 600] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        var created = DisposeScopeManager.Statistics.CreatedOutsideScopeCount + DisposeScopeManager.Statistics.CreatedInScopeCount;
        using var scope = NewDisposeScope();

        var manifest = DendriteCheckpoint.ReadManifest(path);

        manifest.Layers.Should().HaveCount(handle.Layers.Count);
        (DisposeScopeManager.Statistics.CreatedOutsideScopeCount + DisposeScopeManager.Statistics.CreatedInScopeCount).Should().Be(created);
    }

    [Test]
    public void Restore_SameStructure_LeavesNoLiveTensors()
    {
        var handle = Dendrites.Wrap(TestModels.Cnn());
        var path = Path.Combine(Folder, "cnn.dndt");
        DendriteCheckpoint.Save(handle, path);
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using var scope = NewDisposeScope();

        DendriteCheckpoint.Restore(handle, path);

        scope.DisposablesCount.Should().Be(0);
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(live);
    }
}
