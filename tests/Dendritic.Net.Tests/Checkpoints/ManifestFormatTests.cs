using System.Text;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// A manifest's <c>format</c> and <c>formatVersion</c> are believed only once its SHA-256 matches, and must be there:
/// a missing one loaded as format 2 through the record's defaults, and a damaged version digit was reported as a newer
/// format ("Upgrade Dendritic.Net") rather than as corruption.
/// </summary>
[TestFixture]
public sealed class ManifestFormatTests : ForgedCheckpointFixture
{
    [TestCase("format")]
    [TestCase("formatVersion")]
    public void ReadManifest_FieldMissingWithAMatchingChecksum_ThrowsCorruptedNamingTheFileAndTheField(string field)
    {
        var path = SaveMlp();
        CheckpointForge.Rewrite(path, m => m.Remove(field).Should().BeTrue());

        var read = () => DendriteCheckpoint.ReadManifest(path);
        var load = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        read.Should().Throw<CheckpointCorruptedException>().WithMessage($"Checkpoint '{path}' is corrupted: its manifest has no field '{field}'*Restore it from a backup*");
        load.Should().Throw<CheckpointCorruptedException>().WithMessage($"*'{path}'*no field '{field}'*");
    }

    [TestCase("\"x\"")]
    [TestCase("2.5")]
    [TestCase("null")]
    public void ReadManifest_FormatVersionNotAWholeNumber_ThrowsCorruptedNamingTheValue(string json)
    {
        var path = SaveMlp();
        CheckpointForge.Rewrite(path, m => m["formatVersion"] = System.Text.Json.Nodes.JsonNode.Parse(json));

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"*'{path}'*manifest field 'formatVersion' is {json}, not a format version*");
    }

    [TestCase(4)]
    [TestCase(3)]
    [TestCase(2)]
    [TestCase(1)]
    [TestCase(9)]
    public void ReadManifest_FormatVersionDigitChangedWithoutItsChecksum_ThrowsCorruptedNotOtherFormat(int version)
    {
        var path = SaveMlp();
        PatchManifestText(path, "\"formatVersion\": 5", $"\"formatVersion\": {version}");

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"*'{path}'*manifest does not match the SHA-256 recorded in checksums.sha256*");
    }

    [Test]
    public void ReadManifest_FormatOneWithoutChecksumsEntry_ThrowsCheckpointExceptionNamingTheVersion()
    {
        var path = SaveMlp();
        var (manifest, weights) = CheckpointForge.Read(path);
        manifest["formatVersion"] = 1;
        CheckpointForge.Write(path, ("weights.safetensors", weights), ("manifest.json", Encoding.UTF8.GetBytes(manifest.ToJsonString())));

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointException>().WithMessage($"'{path}' uses checkpoint format 1 of a pre-release*save it again*").Which.Should().NotBeOfType<CheckpointCorruptedException>();
    }

    [Test]
    public void ReadManifest_FormatTwoWithoutChecksumsEntry_ThrowsCorruptedNamingTheEntry()
    {
        var path = SaveMlp();
        var (manifest, weights) = CheckpointForge.Read(path);
        CheckpointForge.Write(path, ("weights.safetensors", weights), ("manifest.json", Encoding.UTF8.GetBytes(manifest.ToJsonString())));

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"*'{path}'*entry 'checksums.sha256' is missing*");
    }

    // Replaces text in manifest.json byte for byte, every other entry and checksums.sha256 unchanged (the zip's CRC-32
    // is recomputed, as a damaged file copied by a tool that rewrites zips would have it).
    private static void PatchManifestText(string path, string from, string to) => CheckpointForge.RewriteEntry(path, "manifest.json", manifest =>
    {
        var text = Encoding.UTF8.GetString(manifest);
        text.Should().Contain(from, "the test changes that text");
        return Encoding.UTF8.GetBytes(text.Replace(from, to, System.StringComparison.Ordinal));
    });
}
