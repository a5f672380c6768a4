using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Reads and writes the safetensors layout (8-byte little-endian header length, a JSON header of dtype, shape and
/// byte offsets per tensor, then the raw little-endian data), so checkpoint weights open in Python's safetensors too.
/// </summary>
internal static class SafeTensorsFormat
{
    private static readonly Dictionary<ScalarType, string> Names = new()
    {
        [ScalarType.Float64] = "F64",
        [ScalarType.Float32] = "F32",
        [ScalarType.Float16] = "F16",
        [ScalarType.BFloat16] = "BF16",
        [ScalarType.Int64] = "I64",
        [ScalarType.Int32] = "I32",
        [ScalarType.Int16] = "I16",
        [ScalarType.Int8] = "I8",
        [ScalarType.Byte] = "U8",
        [ScalarType.Bool] = "BOOL",
    };

    public static void Write(Stream stream, IReadOnlyList<(string Key, Tensor Tensor)> tensors)
    {
        var header = new JsonObject();
        var contiguous = new List<Tensor>(tensors.Count);
        long offset = 0;
        foreach (var (key, tensor) in tensors)
        {
            if (!Names.TryGetValue(tensor.dtype, out var dtype))
            {
                throw new CheckpointException($"Tensor '{key}' has dtype {tensor.dtype}, which checkpoints do not store.");
            }

            var data = tensor.detach().cpu().contiguous();
            contiguous.Add(data);
            var length = data.numel() * data.ElementSize;
            header[key] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(data.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + length),
            };
            offset += length;
        }

        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)headerBytes.Length);
        stream.Write(lengthBytes);
        stream.Write(headerBytes);
        foreach (var data in contiguous)
        {
            if (data.numel() > 0)
            {
                stream.Write(data.bytes);
            }

            data.Dispose();
        }
    }

    /// <summary>Reads every tensor to CPU memory, checking that the header and the data agree.</summary>
    public static Dictionary<string, Tensor> Read(byte[] file, string source)
    {
        if (file.Length < 8)
        {
            throw Corrupted(source, "the weights file is shorter than its header");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(0, 8));
        if (headerLength > (ulong)(file.Length - 8))
        {
            throw Corrupted(source, "the weights header runs past the end of the file");
        }

        JsonObject header;
        try
        {
            header = JsonNode.Parse(file.AsSpan(8, (int)headerLength))!.AsObject();
        }
        catch (JsonException e)
        {
            throw new CheckpointCorruptedException($"Checkpoint '{source}': the weights header is not valid JSON ({e.Message}).", e);
        }

        var dataStart = 8 + (long)headerLength;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, node) in header)
        {
            if (key == "__metadata__")
            {
                continue;
            }

            var dtypeName = node!["dtype"]!.GetValue<string>();
            var match = Names.Where(kv => kv.Value == dtypeName).ToList();
            if (match.Count != 1)
            {
                throw Corrupted(source, $"tensor '{key}' has unknown dtype '{dtypeName}'");
            }

            var shape = node["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
            var offsets = node["data_offsets"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
            var tensor = empty(shape, match[0].Key);
            var length = tensor.numel() * tensor.ElementSize;
            if (offsets.Length != 2 || offsets[1] - offsets[0] != length || dataStart + offsets[1] > file.Length)
            {
                tensor.Dispose();
                throw Corrupted(source, $"tensor '{key}' does not fit its byte range");
            }

            if (length > 0)
            {
                tensor.bytes = file.AsSpan((int)(dataStart + offsets[0]), (int)length);
            }

            result[key] = tensor;
        }

        return result;
    }

    private static CheckpointCorruptedException Corrupted(string source, string what) =>
        new($"Checkpoint '{source}' is corrupted: {what}. Restore it from a backup or save it again.");
}
