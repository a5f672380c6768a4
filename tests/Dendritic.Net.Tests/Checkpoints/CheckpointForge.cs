using System;
using System.Buffers.Binary;
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
    public static (JsonObject Manifest, byte[] Weights) Read(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        return (JsonNode.Parse(ReadEntry(zip, "manifest.json"))!.AsObject(), ReadEntry(zip, "weights.safetensors"));
    }

    /// <summary>Rewrites the checkpoint; <paramref name="manifest"/> runs after the weights' hash and size are set.</summary>
    public static void Rewrite(string path, Action<JsonObject>? manifest = null, Func<byte[], byte[]>? weights = null, bool keepChecksums = false)
    {
        var (node, bytes) = Read(path);
        string oldChecksums;
        using (var zip = ZipFile.OpenRead(path))
        {
            oldChecksums = Encoding.UTF8.GetString(ReadEntry(zip, "checksums.sha256"));
        }

        bytes = weights?.Invoke(bytes) ?? bytes;
        node["weightsSha256"] = Sha(bytes);
        node["weightsBytes"] = bytes.LongLength;
        manifest?.Invoke(node);
        var manifestBytes = Encoding.UTF8.GetBytes(node.ToJsonString());
        var checksums = keepChecksums ? oldChecksums : $"{Sha(manifestBytes)}  manifest.json\n{Sha(bytes)}  weights.safetensors\n";
        Write(path, ("weights.safetensors", bytes), ("manifest.json", manifestBytes), ("checksums.sha256", Encoding.UTF8.GetBytes(checksums)));
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

    public static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static byte[] ReadEntry(ZipArchive zip, string name)
    {
        using var stream = zip.GetEntry(name)!.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
