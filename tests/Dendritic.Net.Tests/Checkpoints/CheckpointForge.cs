using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// Builds hostile checkpoints for tests: rewrites a real one with a changed manifest or weights and, unless told
/// otherwise, recomputes every hash and checksum, so the check under test is the one that must catch it.
/// </summary>
internal static class CheckpointForge
{
    public static (JsonObject Manifest, byte[] Weights) Read(string path) =>
        (JsonNode.Parse(ReadEntry(path, "manifest.json"))!.AsObject(), ReadEntry(path, "weights.safetensors"));

    /// <summary>The bytes of one entry of the archive at <paramref name="path"/>.</summary>
    public static byte[] ReadEntry(string path, string name)
    {
        using var zip = ZipFile.OpenRead(path);
        using var stream = zip.GetEntry(name)!.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// Rewrites the checkpoint as its weights, manifest and checksums (an optimizer state is left out);
    /// <paramref name="manifest"/> runs after the weights' hash and size are set.
    /// </summary>
    public static void Rewrite(string path, Action<JsonObject>? manifest = null, Func<byte[], byte[]>? weights = null, bool keepChecksums = false)
    {
        var (node, bytes) = Read(path);
        var oldChecksums = ReadEntry(path, "checksums.sha256");
        bytes = weights?.Invoke(bytes) ?? bytes;
        node["weightsSha256"] = Sha(bytes);
        node["weightsBytes"] = bytes.LongLength;
        manifest?.Invoke(node);
        WriteCheckpoint(path, bytes, Encoding.UTF8.GetBytes(node.ToJsonString()), keepChecksums ? oldChecksums : null);
    }

    /// <summary>
    /// Replaces manifest.json with the text <paramref name="change"/> makes of it (given compact, as
    /// <see cref="JsonNode.ToJsonString"/> writes it), written as it is: for JSON that a <see cref="JsonObject"/>
    /// cannot hold. Checksums recomputed.
    /// </summary>
    public static void RewriteManifestText(string path, Func<string, string> change)
    {
        var (manifest, weights) = Read(path);
        WriteCheckpoint(path, weights, Encoding.UTF8.GetBytes(change(manifest.ToJsonString())), null);
    }

    /// <summary>
    /// Replaces one entry's bytes with what <paramref name="change"/> makes of them and writes its zip record again (so
    /// its CRC-32 matches); every other entry, checksums.sha256 included, stays as it is: only a SHA-256 can tell.
    /// </summary>
    public static void RewriteEntry(string path, string name, Func<byte[], byte[]> change)
    {
        var bytes = change(ReadEntry(path, name));
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        zip.GetEntry(name)!.Delete();
        using var rewritten = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        rewritten.Write(bytes);
    }

    /// <summary>
    /// Replaces the optimizer state with what <paramref name="change"/> makes of it, and records its new SHA-256 and
    /// size in the manifest and checksums.sha256: a state written that way by other code, which only its content can
    /// give away.
    /// </summary>
    public static void RewriteOptimizerState(string path, Func<byte[], byte[]> change)
    {
        var (manifest, weights) = Read(path);
        var state = change(ReadEntry(path, "optimizer.bin"));
        manifest["optimizer"]!["sha256"] = Sha(state);
        manifest["optimizer"]!["bytes"] = state.LongLength;
        var manifestBytes = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        var checksums = Encoding.UTF8.GetBytes($"{Sha(manifestBytes)}  manifest.json\n{Sha(weights)}  weights.safetensors\n{Sha(state)}  optimizer.bin\n");
        Write(path, ("weights.safetensors", weights), ("optimizer.bin", state), ("manifest.json", manifestBytes), ("checksums.sha256", checksums));
    }

    /// <summary>Rewrites the weights' JSON header (data unchanged), with hashes recomputed.</summary>
    public static void RewriteHeader(string path, Action<JsonObject> header) => Rewrite(path, weights: w =>
    {
        var (json, data) = Split(w);
        header(json);
        return Join(json.ToJsonString(), data);
    });

    public static (JsonObject Header, byte[] Data) Split(byte[] weights)
    {
        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(weights);
        return (JsonNode.Parse(weights.AsSpan(8, length))!.AsObject(), weights[(8 + length)..]);
    }

    public static byte[] Join(string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var result = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)json.Length);
        json.CopyTo(result, 8);
        data.CopyTo(result, 8 + json.Length);
        return result;
    }

    public static void Write(string path, params (string Name, byte[] Bytes)[] entries)
    {
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        foreach (var (name, bytes) in entries)
        {
            using var stream = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
            stream.Write(bytes);
        }
    }

    /// <summary>Overwrites a 32-bit field of an entry's central-directory record (20: compressed size, 24: size, 16: CRC).</summary>
    public static void PatchCentral(string path, string entry, int field, uint value)
    {
        var bytes = File.ReadAllBytes(path);
        var name = Encoding.ASCII.GetBytes(entry);
        for (var i = 0; i + 46 < bytes.Length; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i)) == 0x02014b50 && bytes.AsSpan(i + 46).StartsWith(name))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i + field), value);
                File.WriteAllBytes(path, bytes);
                return;
            }
        }

        throw new InvalidOperationException($"No central record for {entry}.");
    }

    /// <summary>Sets a value at a path such as <c>layers[0].host.kernelSize</c> (names are camelCase, as in the file).</summary>
    public static void Set(JsonObject root, string field, JsonNode? value)
    {
        JsonNode parent = root;
        var parts = field.Split('.');
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            var index = part.IndexOf('[', StringComparison.Ordinal);
            var last = i == parts.Length - 1;
            if (index < 0)
            {
                if (last)
                {
                    parent[part] = value;
                    return;
                }

                parent = parent[part]!;
                continue;
            }

            var array = parent[part[..index]]!.AsArray();
            var at = int.Parse(part[(index + 1)..^1], CultureInfo.InvariantCulture);
            if (last)
            {
                array[at] = value;
                return;
            }

            parent = array[at]!;
        }
    }

    public static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    // The weights, the manifest and checksums.sha256: the given bytes, or the lines of the two written when null.
    private static void WriteCheckpoint(string path, byte[] weights, byte[] manifest, byte[]? checksums)
    {
        checksums ??= Encoding.UTF8.GetBytes($"{Sha(manifest)}  manifest.json\n{Sha(weights)}  weights.safetensors\n");
        Write(path, ("weights.safetensors", weights), ("manifest.json", manifest), ("checksums.sha256", checksums));
    }
}
