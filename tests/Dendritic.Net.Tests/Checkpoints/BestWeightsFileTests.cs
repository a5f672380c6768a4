using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;
using Dendritic.Testing;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// The growth scheduler's best-weights file (<c>{checkpoint}.best</c>) carries a SHA-256 of itself: before it did, a
/// flipped byte in the weights loaded as different weights without a word.
/// </summary>
[TestFixture]
public sealed class BestWeightsFileTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void CreateFolder()
    {
        manual_seed(3);
        _temp = new TempFolder();
    }

    [TearDown]
    public void DeleteFolder() => _temp.Dispose();

    [Test]
    public void Load_EverySingleByteFlipped_ThrowsCorrupted()
    {
        using var a = randn(3, 4);
        using var b = arange(5);
        var path = _temp.File("w.best");
        StoredWeights.Write(new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b }, new Dictionary<string, int> { ["fc1"] = 1 }, path);
        var original = File.ReadAllBytes(path);
        var loadedSilently = new List<int>();
        var otherErrors = new List<string>();
        StoredWeights.Load(path, CPU).Dispose();

        for (var i = 0; i < original.Length; i++)
        {
            var bytes = (byte[])original.Clone();
            bytes[i] ^= 1;
            File.WriteAllBytes(path, bytes);
            try
            {
                StoredWeights.Load(path, CPU).Dispose();
                loadedSilently.Add(i);
            }
            catch (CheckpointCorruptedException)
            {
                // Expected for every byte: the digest is checked before the version is believed, and a flip that
                // breaks the header, the format's name or the digest's own field is refused as corrupted too.
            }
            catch (CheckpointException e)
            {
                otherErrors.Add($"byte {i}: {e.Message}");
            }
        }

        loadedSilently.Should().BeEmpty("every byte of the file is covered by its SHA-256 or refused by the header checks");
        otherErrors.Should().BeEmpty("a flipped byte is corruption, never another format version");
    }

    [Test]
    public void Load_FormatVersionChangedWithoutTheDigest_ThrowsCorruptedNotOtherFormat()
    {
        using var a = randn(2, 2);
        var path = _temp.File("w.best");
        StoredWeights.Write(new Dictionary<string, Tensor> { ["a"] = a }, new Dictionary<string, int>(), path);
        File.WriteAllBytes(path, ReplaceOnce(File.ReadAllBytes(path), "\"formatVersion\":\"2\"", "\"formatVersion\":\"3\""));

        var act = () => StoredWeights.Load(path, CPU);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"Best-weights file '{path}' is corrupted*SHA-256*");
    }

    [Test]
    public void Load_NewerFormatVersionWithAMatchingDigest_ThrowsCheckpointExceptionNamingTheVersion()
    {
        using var a = randn(2, 2);
        var path = _temp.File("w.best");
        StoredWeights.Write(new Dictionary<string, Tensor> { ["a"] = a }, new Dictionary<string, int>(), path);
        var bytes = ReplaceOnce(File.ReadAllBytes(path), "\"formatVersion\":\"2\"", "\"formatVersion\":\"3\"");
        File.WriteAllBytes(path, Sign(bytes));

        var act = () => StoredWeights.Load(path, CPU);

        act.Should().Throw<CheckpointException>().WithMessage($"Best-weights file '{path}' uses best-weights format 3*reads up to format 2*Upgrade Dendritic.Net*").Which.Should().NotBeOfType<CheckpointCorruptedException>();
    }

    [Test]
    public void Load_FlippedWeightByte_ThrowsCorruptedNamingTheFileTheDigestAndTheFix()
    {
        using var a = randn(3, 4);
        var path = _temp.File("w.best");
        StoredWeights.Write(new Dictionary<string, Tensor> { ["a"] = a }, new Dictionary<string, int>(), path);
        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        var act = () => StoredWeights.Load(path, CPU);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"Best-weights file '{path}' is corrupted*SHA-256*'sha256'*Restore it from a backup*save the checkpoint again*");
    }

    [Test]
    public void Write_ThenReadAsPlainSafeTensors_HasTheFormatVersionAndADigestInItsMetadata()
    {
        using var a = randn(2, 2);
        var path = _temp.File("w.best");
        StoredWeights.Write(new Dictionary<string, Tensor> { ["a"] = a }, new Dictionary<string, int> { ["fc1"] = 2 }, path);

        using var stream = File.OpenRead(path);
        var header = SafeTensorsFormat.ReadHeader(stream, stream.Length, CheckpointLoadOptions.Default, path);

        header.Metadata["formatVersion"].Should().Be("2");
        header.Metadata["sha256"].Should().MatchRegex("^[0-9a-f]{64}$").And.NotBe(new string('0', 64));
        header.Metadata["dendrites.fc1"].Should().Be("2");
    }

    [Test]
    public void Write_FixedTensors_WritesTheBytesFormat2AlwaysHad()
    {
        // The digest of this file, written by the code that hashed the file by reading it back (before the save hashed
        // as it wrote): a change of a single byte in how the file is laid out or signed fails here, and with it the
        // promise that best-weights files saved before still resume.
        using var a = arange(12, dtype: ScalarType.Float32).reshape(3, 4);
        using var b = arange(5, dtype: ScalarType.Int64);
        var path = _temp.File("w.best");

        StoredWeights.Write(new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b }, new Dictionary<string, int> { ["fc1"] = 2 }, path);

        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))).Should().Be("1dd4915d9c7e08aea7ca8d130c35449cd82c6ccb1d636ece54fe4af02c7f3ca0");
    }

    [Test]
    public void Write_ToAStreamThatCannotSeek_ThrowsArgumentException()
    {
        // The digest is filled in after the data, which is serialised once: the writer goes back into the file.
        using var a = randn(2, 2);
        using var forwardOnly = new DigestStream(new MemoryStream(), writing: true);

        var act = () => StoredWeights.Write(new Dictionary<string, Tensor> { ["a"] = a }, new Dictionary<string, int>(), forwardOnly);

        act.Should().Throw<ArgumentException>().WithMessage("*seekable*");
    }

    [TestCase(null, "*format 1 of a pre-release*no checksum*reads format 2*DendriteCheckpoint.Load*")]
    [TestCase("3", "*format 3*reads up to format 2*Upgrade Dendritic.Net*")]
    public void Load_OtherFormatVersion_ThrowsCheckpointExceptionNamingTheVersionAndTheFix(string? version, string expected)
    {
        using var a = randn(2, 2);
        var path = _temp.File("w.best");
        var metadata = new Dictionary<string, string> { ["format"] = "dendritic-best-weights", ["dendrites.fc1"] = "0" };
        if (version is not null)
        {
            metadata["formatVersion"] = version;
        }

        using (var file = File.Create(path))
        {
            SafeTensorsFormat.Write(file, new List<(string, Tensor)> { ("a", a) }, metadata);
        }

        var act = () => StoredWeights.Load(path, CPU);

        act.Should().Throw<CheckpointException>().WithMessage($"Best-weights file '{path}'{expected}").Which.Should().NotBeOfType<CheckpointCorruptedException>();
    }

    [Test]
    public void Resume_BestWeightsFileWithAFlippedByte_ThrowsMismatchNamingItWithoutLoadingIt()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle);
        scheduler.Step(1.0);
        var path = _temp.File("run.dndt");
        scheduler.SaveCheckpoint(path);
        var best = path + ".best";
        var bytes = File.ReadAllBytes(best);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(best, bytes);
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        var act = () => GrowthScheduler.Resume(loaded, path);

        // Hashed before it is loaded: a changed byte makes it another file than the recorded one, which is never loaded.
        act.Should().Throw<CheckpointMismatchException>().WithMessage($"*'{best}' has * bytes, SHA-256 *changed byte*");
    }

    [Test]
    public void Resume_IntactBestWeightsFile_RestoresTheSavedWeightsExactly()
    {
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle);
        scheduler.Step(1.0);
        var saved = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        var path = _temp.File("run.dndt");
        scheduler.SaveCheckpoint(path);
        var fresh = TestModels.TanhMlp();
        var resumed = GrowthScheduler.Resume(DendriteCheckpoint.Load(fresh, path), path);
        using (no_grad())
        {
            foreach (var parameter in fresh.parameters())
            {
                parameter.add_(1.0);
            }
        }

        resumed.Finish().Should().BeTrue();

        foreach (var (key, tensor) in fresh.state_dict())
        {
            tensor.bytes.ToArray().Should().Equal(saved[key].bytes.ToArray(), $"'{key}' comes back bit for bit from the best-weights file");
        }

        SafeTensorsFormat.Dispose(saved);
    }

    private static byte[] ReplaceOnce(byte[] bytes, string from, string to)
    {
        var text = Encoding.Latin1.GetString(bytes);
        var at = text.IndexOf(from, StringComparison.Ordinal);
        at.Should().BeGreaterThan(0, $"the file holds {from}");
        return Encoding.Latin1.GetBytes(string.Concat(text.AsSpan(0, at), to, text.AsSpan(at + from.Length)));
    }

    // Writes the SHA-256 the way StoredWeights.Write does: of the whole file with the digest's 64 digits read as '0'.
    private static byte[] Sign(byte[] bytes)
    {
        var marker = Encoding.ASCII.GetBytes("\"sha256\":\"");
        var at = bytes.AsSpan().IndexOf(marker) + marker.Length;
        bytes.AsSpan(at, 64).Fill((byte)'0');
        Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(bytes))).CopyTo(bytes, at);
        return bytes;
    }
}
