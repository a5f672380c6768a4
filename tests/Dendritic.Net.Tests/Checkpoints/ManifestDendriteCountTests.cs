using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.Json;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// <see cref="CheckpointLayer.DendriteCount"/> keeps the manifest's field name <c>dendrites</c>, so checkpoints saved
/// before the property's rename still load and new ones read in older tools.
/// </summary>
[TestFixture]
public sealed class ManifestDendriteCountTests : TempFolderTest
{
    [Test]
    public void Save_DendriteCount_IsStoredAsDendritesInTheManifest()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp(), new WrapOptions { InitialDendrites = 2 });
        var path = Temp.File("model.dndt");

        DendriteCheckpoint.Save(handle, path);

        using var zip = ZipFile.OpenRead(path);
        using var stream = zip.GetEntry("manifest.json")!.Open();
        using var manifest = JsonDocument.Parse(stream);
        var layers = manifest.RootElement.GetProperty("layers").EnumerateArray().ToList();
        layers.Should().HaveCount(2).And.AllSatisfy(layer =>
        {
            layer.GetProperty("dendrites").GetInt32().Should().Be(2);
            layer.TryGetProperty("dendriteCount", out _).Should().BeFalse();
        });
        DendriteCheckpoint.ReadManifest(path).Layers.Select(l => l.DendriteCount).Should().Equal(2, 2);
    }

    [Test]
    public void Load_ManifestCountBelowTheSetsItsWeightsHold_ThrowsCorruptedNamingTheFieldNotTheModel()
    {
        var path = Temp.File("model.dndt");
        DendriteCheckpoint.Save(Dendrites.Wrap(TestModels.Mlp()), path);
        CheckpointForge.Rewrite(path, m => m["layers"]![0]!["dendrites"] = 0);

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"*'{path}'*manifest field 'layers[0].dendrites' is 0, but the weights hold 'fc1.*', of a set beyond that count*");
    }
}
