using System;
using System.Collections.Generic;
using System.IO.Compression;
using System.Linq;
using System.Text.Json.Nodes;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Checkpoints;

/// <summary>Checkpoints are untrusted input: each case here loaded garbage, hung, ran out of memory or threw an untyped exception before.</summary>
[TestFixture]
public sealed class HostileCheckpointTests : ForgedCheckpointFixture
{
    [TestCase(20_000)]
    [TestCase(100_000)]
    [TestCase(int.MaxValue)]
    public void Load_HugeDendriteCount_ThrowsCorruptedNamingTheField(int count)
    {
        var path = SaveMlp();
        CheckpointForge.Rewrite(path, m => m["layers"]![0]!["dendrites"] = count);

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*layers[0].dendrites*MaxDendritesPerLayer*");
    }

    [Test]
    public void Load_DendriteCountBeyondTheWeights_ThrowsCorruptedEvenWithTheCapRaised()
    {
        var path = SaveMlp();
        CheckpointForge.Rewrite(path, m => m["layers"]![0]!["dendrites"] = 100_000);

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path, options: new CheckpointLoadOptions { MaxDendritesPerLayer = int.MaxValue });

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*dendrites*weights hold*");
    }

    [TestCase(0xFFFFFFFFu)]
    [TestCase(2_000_000_000u)]
    public void Load_WeightsEntryDeclaresHugeSize_ThrowsCorruptedWithoutAllocatingIt(uint declared)
    {
        var path = SaveMlp();
        CheckpointForge.PatchCentral(path, "weights.safetensors", 24, declared);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*weights.safetensors*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(64L << 20);
    }

    [Test]
    public void Load_ManifestOverTheCap_ThrowsCorruptedNamingTheCap()
    {
        var path = SaveMlp();
        CheckpointForge.Rewrite(path, m => m["extras"] = new JsonObject { ["big"] = new string('x', 100_000) });

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path, options: new CheckpointLoadOptions { MaxManifestBytes = 10_000 });

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*manifest.json*MaxManifestBytes*");
    }

    [Test]
    public void Load_ManifestLongerThanDeclared_ThrowsCorrupted()
    {
        var path = SaveMlp();
        CheckpointForge.Rewrite(path);
        CheckpointForge.PatchCentral(path, "manifest.json", 24, 10);

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*manifest.json*");
    }

    public static IEnumerable<TestCaseData> BadOffsets()
    {
        yield return new TestCaseData((Action<JsonObject, long, long>)((t, b, e) => t["data_offsets"] = new JsonArray(b - 8, e - 8))).SetName("negative offsets (into the header)");
        yield return new TestCaseData((Action<JsonObject, long, long>)((t, b, e) => t["data_offsets"] = new JsonArray(0L, e - b))).SetName("overlapping the first tensor");
        yield return new TestCaseData((Action<JsonObject, long, long>)((t, b, e) => t["data_offsets"] = new JsonArray(long.MaxValue - 3, e - b - 4))).SetName("wrapping around");
        yield return new TestCaseData((Action<JsonObject, long, long>)((t, b, e) => t["data_offsets"] = new JsonArray(b + 4, e + 4))).SetName("leaving a gap");
        yield return new TestCaseData((Action<JsonObject, long, long>)((t, b, e) => t["shape"] = new JsonArray(1_000_000L, 1_000_000L))).SetName("a 10^12-element shape");
        yield return new TestCaseData((Action<JsonObject, long, long>)((t, b, e) => t["shape"] = new JsonArray(-1L, -4L))).SetName("negative dimensions");
        yield return new TestCaseData((Action<JsonObject, long, long>)((t, b, e) => t["dtype"] = null)).SetName("null dtype");
        yield return new TestCaseData((Action<JsonObject, long, long>)((t, b, e) => t["dtype"] = "F8")).SetName("unknown dtype");
        yield return new TestCaseData((Action<JsonObject, long, long>)((t, b, e) => t["shape"] = null)).SetName("null shape");
        yield return new TestCaseData((Action<JsonObject, long, long>)((t, b, e) => t["shape"] = "x")).SetName("shape not an array");
        yield return new TestCaseData((Action<JsonObject, long, long>)((t, b, e) => t["data_offsets"] = new JsonArray(b))).SetName("one offset");
        yield return new TestCaseData((Action<JsonObject, long, long>)((t, b, e) => t["data_offsets"] = new JsonArray(b, 1.5))).SetName("fractional offset");
        yield return new TestCaseData((Action<JsonObject, long, long>)((t, b, e) => t.Remove("data_offsets"))).SetName("no offsets");
    }

    [TestCaseSource(nameof(BadOffsets))]
    public void Load_BadTensorHeader_ThrowsCorruptedNamingTheTensor(Action<JsonObject, long, long> change)
    {
        var path = SaveMlp();
        string key = string.Empty;
        CheckpointForge.RewriteHeader(path, header =>
        {
            // The second tensor in data order, so "overlapping" and "gap" have a neighbour.
            var (k, node) = header.Where(p => p.Key != "__metadata__").OrderBy(p => p.Value!["data_offsets"]![0]!.GetValue<long>()).ElementAt(1);
            key = k;
            var offsets = node!["data_offsets"]!.AsArray();
            change(node.AsObject(), offsets[0]!.GetValue<long>(), offsets[1]!.GetValue<long>());
        });

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        // An overlap is reported on whichever of the two tensors comes second.
        act.Should().Throw<CheckpointCorruptedException>().Which.Message.Should().Match(m => m.Contains($"'{key}'") || m.Contains("overlaps"));
    }

    [Test]
    public void Load_TrailingBytesAfterTheLastTensor_ThrowsCorrupted()
    {
        var path = SaveMlp();
        CheckpointForge.Rewrite(path, weights: w => w.Concat(new byte[4]).ToArray());

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*trailing bytes*");
    }

    [Test]
    public void Load_DuplicateTensorKey_ThrowsCorrupted()
    {
        var path = SaveMlp();
        CheckpointForge.Rewrite(path, weights: w =>
        {
            var (header, data) = CheckpointForge.Split(w);
            var (key, node) = header.First(p => p.Key != "__metadata__");
            var text = "{" + $"\"{key}\":{node!.ToJsonString()}," + header.ToJsonString()[1..];
            return CheckpointForge.Join(text, data);
        });

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>();
    }

    [Test]
    public void Load_Int32TensorForFloatParameter_ThrowsMismatchNamingDtypes()
    {
        var path = SaveMlp();
        CheckpointForge.RewriteHeader(path, header => header["fc1.weight"]!["dtype"] = "I32");

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointMismatchException>().WithMessage("*fc1.weight*I32*F32*").Which.LayerName.Should().Be("fc1.weight");
    }

    [Test]
    public void Load_BoolTensorForFloatParameter_ThrowsTyped()
    {
        var path = SaveMlp();
        CheckpointForge.RewriteHeader(path, header =>
        {
            var node = header["fc1.weight"]!;
            node["dtype"] = "BOOL";
            node["shape"] = new JsonArray(8L, 4L, 4L);
        });

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointMismatchException>().WithMessage("*fc1.weight*");
    }

    [Test]
    public void Load_DuplicateZipEntry_ThrowsCorrupted()
    {
        var path = SaveMlp();
        var (manifest, weights) = CheckpointForge.Read(path);
        var bytes = System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString());
        CheckpointForge.Write(path, ("weights.safetensors", weights), ("manifest.json", bytes), ("manifest.json", bytes));

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*manifest.json*2 times*");
    }

    [TestCase(float.NaN)]
    [TestCase(float.PositiveInfinity)]
    public void Load_NonFiniteWeight_ThrowsCorruptedUnlessAllowed(float value)
    {
        var path = SaveMlp();
        CheckpointForge.Rewrite(path, weights: w =>
        {
            var (header, data) = CheckpointForge.Split(w);
            var begin = header["fc2.weight"]!["data_offsets"]![0]!.GetValue<long>();
            BitConverter.GetBytes(value).CopyTo(data, begin);
            return CheckpointForge.Join(header.ToJsonString(), data);
        });

        var strict = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);
        strict.Should().Throw<CheckpointCorruptedException>().WithMessage("*NaN or infinite*fc2.weight*AllowNonFiniteWeights*");

        var model = TestModels.Mlp();
        DendriteCheckpoint.Load(model, path, options: new CheckpointLoadOptions { AllowNonFiniteWeights = true });
        using var weight = model.state_dict()["fc2.weight"];
        weight.isfinite().all().item<bool>().Should().BeFalse();
    }

    [Test]
    public void Load_ManifestChangedButChecksumNot_ThrowsCorrupted()
    {
        var path = SaveMlp(new Dictionary<string, string> { ["note"] = "original" });
        CheckpointForge.Rewrite(path, m => m["extras"]!["note"] = "changed", keepChecksums: true);

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*manifest does not match the SHA-256*");
    }

    [TestCase("manifest.json")]
    [TestCase("weights.safetensors")]
    [TestCase("checksums.sha256")]
    public void Load_WrongEntryCrc_ThrowsCorrupted(string entry)
    {
        var path = SaveMlp();
        uint crc;
        using (var zip = ZipFile.OpenRead(path))
        {
            crc = zip.GetEntry(entry)!.Crc32;
        }

        CheckpointForge.PatchCentral(path, entry, 16, crc ^ 1);

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"*'{entry}' fails its CRC-32 check*");
    }

    public static IEnumerable<TestCaseData> BadManifestFields()
    {
        yield return Case("layers", null, "layers");
        yield return Case("layers[0]", null, "layers[0]");
        yield return Case("layers[0].name", null, "name");
        yield return Case("layers[1].name", "fc1", "layers[1].name");
        yield return Case("layers[0].host", null, "host");
        yield return Case("layers[0].host.kernelSize", null, "kernelSize");
        yield return Case("layers[0].host.kind", "Conv9d", "kind");
        yield return Case("layers[0].mode", 7, "mode");
        yield return Case("layers[0].dendrites", "many", "dendrites");
        yield return Case("layers[0].dendrites", -1, "layers[0].dendrites");
        yield return Case("layers[0].frozenSets", null, "frozenSets");
        yield return Case("layers[0].frozenSets", new JsonArray(5), "layers[0].frozenSets");
        yield return Case("dendrite", null, "dendrite");
        yield return Case("dendrite.initScale", -1.0, "dendrite");
        yield return Case("libraryVersion", null, "libraryVersion");
        yield return Case("extras", null, "extras");
        yield return Case("extras.note", null, "extras.note");
        yield return Case("tensorCount", -3, "tensorCount");
        yield return Case("weightsFile", "manifest.json", "weightsFile");
        yield return Case("format", 5, "format");

        static TestCaseData Case(string field, JsonNode? value, string named) =>
            new TestCaseData(field, value, named).SetName($"{field} = {value?.ToJsonString() ?? "null"}");
    }

    [TestCaseSource(nameof(BadManifestFields))]
    public void Load_NullOrWrongManifestField_ThrowsCorruptedNamingIt(string field, JsonNode? value, string named)
    {
        var path = SaveMlp(new Dictionary<string, string> { ["note"] = "x" });
        CheckpointForge.Rewrite(path, m => CheckpointForge.Set(m, field, value));

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"*{named}*");
    }

    [TestCase("comment", "comment")]
    [TestCase("layers[0].color", "layers[0].color")]
    [TestCase("layers[0].host.bias2", "layers[0].host.bias2")]
    [TestCase("dendrite.temperature", "dendrite.temperature")]
    public void Load_ManifestWithUnknownPropertyAndMatchingChecksum_ThrowsCorruptedNamingIt(string field, string named)
    {
        var path = SaveMlp();
        CheckpointForge.Rewrite(path, m => CheckpointForge.Set(m, field, "x"));

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"*'{path}'*manifest does not fit checkpoint format 5 at '{named}'*could not be mapped*Restore it from a backup*");
    }

    [TestCase(6, "*format 6*reads up to format 5*Upgrade Dendritic.Net*")]
    [TestCase(1, "*format 1 of a pre-release*save it again*")]
    public void ReadManifest_OtherFormatVersionWithAPropertyThisVersionLacks_ThrowsNamingTheVersion(int version, string expected)
    {
        var path = SaveMlp();
        CheckpointForge.Rewrite(path, m =>
        {
            m["formatVersion"] = version;
            m["addedLater"] = true;
        });

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointException>().WithMessage(expected).Which.Should().NotBeOfType<CheckpointCorruptedException>();
    }
}
