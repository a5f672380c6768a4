using System.Linq;
using System.Text.Json.Nodes;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// Checkpoints that a structure-aware fuzzer (every manifest and weights-header field replaced by nulls, extremes, wrong
/// types, escapes and nesting, hashes recomputed) found to escape as an untyped exception or to load as something no
/// writer produces. Each raises <see cref="CheckpointCorruptedException"/> naming the field now.
/// </summary>
[TestFixture]
public sealed class FuzzedCheckpointTests : ForgedCheckpointFixture
{
    [Test]
    public void Load_ManifestWithNoLayers_ThrowsCorruptedNamingTheField()
    {
        // Reached Dendrites.Wrap as a selector matching nothing: a DendriteWrapException, which Load documents for other causes.
        var path = Save(TestModels.Mlp());
        CheckpointForge.Rewrite(path, m => m["layers"] = new JsonArray());

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*'layers' is empty*");
    }

    [TestCase("kernelSize", 0, "*layers[0].host.kernelSize*at least 1*")]
    [TestCase("stride", 0, "*layers[0].host.stride*at least 1*")]
    [TestCase("dilation", 0, "*layers[0].host.dilation*at least 1*")]
    [TestCase("padding", -1, "*layers[0].host.padding*at least 0*")]
    [TestCase("groups", 3, "*layers[0].host.groups' is 3*divide*")]
    public void ReadManifest_ConvolutionHostNoTorchLayerHas_ThrowsCorruptedNamingTheField(string field, int value, string expected)
    {
        var path = Save(TestModels.Cnn());
        CheckpointForge.Rewrite(path, m =>
        {
            var host = m["layers"]![0]!["host"]!.AsObject();
            host[field] = field == "groups" ? value : new JsonArray(value, value);
        });

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage(expected);
    }

    [Test]
    public void ReadManifest_LinearHostWithGroups_ThrowsCorruptedNamingTheField()
    {
        // HostLayerSpec.FanIn and WeightShape divide by the groups; only a convolution has any but 1.
        var path = Save(TestModels.Mlp());
        CheckpointForge.Rewrite(path, m => m["layers"]![0]!["host"]!["groups"] = 0);

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*layers[0].host*");
    }

    [TestCase("format")]
    [TestCase("libraryVersion")]
    public void ReadManifest_FieldWithUnpairedSurrogateEscape_ThrowsCorrupted(string field)
    {
        // "\ud800" is valid JSON in valid UTF-8, but no text: JsonElement.GetString threw InvalidOperationException.
        var path = Save(TestModels.Mlp());
        CheckpointForge.RewriteManifestText(path, text => text.Replace($"\"{field}\":\"", $"\"{field}\":\"\\ud800", System.StringComparison.Ordinal));

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>();
    }

    [TestCase("\"format\":", "\"\\ud800\":1,\"format\":")]
    [TestCase("\"extras\":{", "\"extras\":{\"\\ud800\":\"x\",")]
    [TestCase("\"name\":", "\"\\ud800\":1,\"name\":")]
    public void ReadManifest_KeyWithUnpairedSurrogateEscape_ThrowsCorrupted(string find, string replace)
    {
        // The duplicate-key check decodes every key, and threw InvalidOperationException on this one.
        var path = Save(TestModels.Mlp());
        CheckpointForge.RewriteManifestText(path, text => text.Replace(find, replace, System.StringComparison.Ordinal));

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>();
    }

    [TestCase("dtype")]
    [TestCase("tensor key")]
    [TestCase("metadata key")]
    [TestCase("metadata value")]
    public void Load_WeightsHeaderTextWithUnpairedSurrogateEscape_ThrowsCorrupted(string where)
    {
        var path = Save(TestModels.Mlp());
        CheckpointForge.Rewrite(path, weights: w =>
        {
            var (header, data) = CheckpointForge.Split(w);
            header["__metadata__"] = new JsonObject { ["note"] = "x" };
            var text = header.ToJsonString();
            text = where switch
            {
                "dtype" => text.Replace("\"dtype\":\"", "\"dtype\":\"\\ud800", System.StringComparison.Ordinal),
                "tensor key" => text.Replace("\"fc1.weight\"", "\"fc1.weight\\ud800\"", System.StringComparison.Ordinal),
                "metadata key" => text.Replace("\"note\"", "\"\\ud800\"", System.StringComparison.Ordinal),
                _ => text.Replace("\"note\":\"x\"", "\"note\":\"\\ud800\"", System.StringComparison.Ordinal),
            };
            return CheckpointForge.Join(text, data);
        });

        var load = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);
        var restore = () => DendriteCheckpoint.Restore(Dendrites.Wrap(TestModels.Mlp()), path);

        load.Should().Throw<CheckpointCorruptedException>().WithMessage("*unpaired*surrogate*");
        restore.Should().Throw<CheckpointCorruptedException>().WithMessage("*unpaired*surrogate*");
    }
}
