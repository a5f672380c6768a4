using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Reads and writes the safetensors layout (8-byte little-endian header length, a JSON header of dtype, shape and
/// byte offsets per tensor, then the raw little-endian data), so checkpoint weights open in Python's safetensors too.
/// Both directions stream in chunks: no tensor or file is ever held as one managed array, so sizes over 2 GiB work.
/// Reading validates everything the header declares before allocating (see <see cref="ReadHeader"/>).
/// </summary>
internal static class SafeTensorsFormat
{
    /// <summary>Bytes copied per step between a tensor and a stream.</summary>
    internal const int ChunkBytes = 16 << 20;

    /// <summary>The header key of the free-form string metadata.</summary>
    internal const string MetadataKey = "__metadata__";

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

    /// <summary>The dtypes a header may name, by their safetensors names.</summary>
    internal static readonly IReadOnlyDictionary<string, ScalarType> Types = Names.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

    /// <summary>The safetensors name of a dtype (F32, I64, ...), for messages.</summary>
    public static string Name(ScalarType dtype) => Names.TryGetValue(dtype, out var name) ? name : dtype.ToString();

    /// <summary>Writes the tensors (any device, any layout) and returns the number of bytes written.</summary>
    /// <exception cref="CheckpointException">A tensor has a dtype safetensors does not store.</exception>
    public static long Write(Stream stream, IReadOnlyList<(string Key, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var headerBytes = Header(tensors, metadata, out var dataBytes);
        return Write(stream, tensors, headerBytes, dataBytes);
    }

    /// <summary>
    /// Writes the 8-byte length, <paramref name="headerBytes"/> (made by <see cref="Header"/> for exactly these
    /// <paramref name="tensors"/>) and the tensors' data; for a caller that needs to know where a field of the header lies.
    /// </summary>
    /// <returns>The number of bytes written.</returns>
    internal static long Write(Stream stream, IReadOnlyList<(string Key, Tensor Tensor)> tensors, byte[] headerBytes, long dataBytes)
    {
        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)headerBytes.Length);
        stream.Write(lengthBytes);
        stream.Write(headerBytes);
        foreach (var (_, tensor) in tensors)
        {
            WriteData(stream, tensor);
        }

        return 8 + headerBytes.Length + dataBytes;
    }

    /// <summary>
    /// Reads and validates the header: known dtypes, non-negative shapes whose byte size fits a long, offsets that
    /// cover the data section exactly (sorted, contiguous, no gap, no overlap, nothing after the last tensor).
    /// </summary>
    /// <param name="stream">Positioned at the start of the safetensors data.</param>
    /// <param name="length">The total length of the safetensors data in bytes.</param>
    /// <param name="options">The caps.</param>
    /// <param name="source">The file, for messages.</param>
    /// <exception cref="CheckpointCorruptedException">Anything in the header is wrong; the message names the field.</exception>
    public static SafeTensorsHeader ReadHeader(Stream stream, long length, CheckpointLoadOptions options, string source) =>
        ParseHeader(ReadHeaderBytes(stream, length, options, source), length, options, source);

    /// <summary>
    /// Reads the 8-byte length and the JSON header after it, checked against <paramref name="length"/> and the cap
    /// before anything is allocated, and returns the header's bytes (for a caller that hashes them before parsing
    /// them with <see cref="ParseHeader"/>). The stream is left at the start of the data.
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">The header length runs past the data or exceeds the cap.</exception>
    public static byte[] ReadHeaderBytes(Stream stream, long length, CheckpointLoadOptions options, string source)
    {
        if (length < 8)
        {
            throw Corrupted(source, $"the weights are {length} bytes, shorter than the 8-byte header length");
        }

        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(length - 8))
        {
            throw Corrupted(source, $"the weights header length {headerLength} runs past the end of the {length}-byte weights");
        }

        if (headerLength > (ulong)options.MaxWeightsHeaderBytes)
        {
            throw Corrupted(source, $"the weights header length {headerLength} exceeds the cap of {options.MaxWeightsHeaderBytes} bytes (CheckpointLoadOptions.MaxWeightsHeaderBytes)");
        }

        var header = new byte[headerLength];
        stream.ReadExactly(header);
        return header;
    }

    /// <summary>Validates the JSON header read by <see cref="ReadHeaderBytes"/> (see <see cref="ReadHeader"/>).</summary>
    /// <param name="header">The header's bytes, without the 8-byte length before them.</param>
    /// <param name="length">The total length of the safetensors data in bytes.</param>
    /// <param name="options">The caps.</param>
    /// <param name="source">The file, for messages.</param>
    /// <exception cref="CheckpointCorruptedException">Anything in the header is wrong; the message names the field.</exception>
    public static SafeTensorsHeader ParseHeader(byte[] header, long length, CheckpointLoadOptions options, string source)
    {
        var dataBytes = length - 8 - header.LongLength;
        if (!System.Text.Unicode.Utf8.IsValid(header))
        {
            throw Corrupted(source, "the weights header is not valid UTF-8");
        }

        try
        {
            using var document = UntrustedText.ParseJson(header, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 8 });
            return SafeTensorsHeaderParser.Parse(document.RootElement, dataBytes, options, source);
        }
        catch (JsonException e)
        {
            throw new CheckpointCorruptedException($"Checkpoint '{source}' is corrupted: the weights header is not valid JSON ({UntrustedText.Message(e.Message)}).", e);
        }
    }

    /// <summary>
    /// Reads every tensor's data, in offset order, into new CPU tensors; allocates each tensor only when the bytes
    /// before it have arrived, so a file that ends early costs at most one tensor. The caller owns the tensors.
    /// </summary>
    public static Dictionary<string, Tensor> ReadTensors(Stream stream, SafeTensorsHeader header)
    {
        var result = new Dictionary<string, Tensor>(header.Entries.Count, StringComparer.Ordinal);
        var buffer = new byte[(int)Math.Min(ChunkBytes, Math.Max(1, header.DataBytes))];
        try
        {
            foreach (var entry in header.Entries)
            {
                var tensor = empty(entry.Shape, entry.DType);
                result.Add(entry.Key, tensor);
                Fill(stream, tensor, buffer);
            }

            return result;
        }
        catch
        {
            Dispose(result);
            throw;
        }
    }

    /// <summary>The key of the first floating-point tensor holding a NaN or an infinity; null when all are finite.</summary>
    public static string? FirstNonFinite(IReadOnlyDictionary<string, Tensor> tensors)
    {
        foreach (var (key, tensor) in tensors)
        {
            if (tensor.is_floating_point() && tensor.numel() > 0)
            {
                using var finite = tensor.isfinite();
                using var all = finite.all();
                if (!all.item<bool>())
                {
                    return key;
                }
            }
        }

        return null;
    }

    public static void Dispose(IReadOnlyDictionary<string, Tensor> tensors)
    {
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
    }

    /// <summary>The JSON header, padded, that <see cref="Write(Stream, IReadOnlyList{ValueTuple{string, Tensor}}, byte[], long)"/> writes after the 8-byte length.</summary>
    internal static byte[] Header(IReadOnlyList<(string Key, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata, out long dataBytes)
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (var (key, tensor) in tensors)
            {
                if (!Names.TryGetValue(tensor.dtype, out var dtype))
                {
                    throw new CheckpointException($"Tensor '{key}' has dtype {tensor.dtype}, which checkpoints do not store.");
                }

                var length = checked(tensor.numel() * tensor.ElementSize);
                writer.WriteStartObject(key);
                writer.WriteString("dtype", dtype);
                writer.WriteStartArray("shape");
                foreach (var d in tensor.shape)
                {
                    writer.WriteNumberValue(d);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset = checked(offset + length);
            }

            writer.WriteEndObject();
            dataBytes = offset;
        }

        // Pad with spaces to a multiple of 8, as the reference writer does, so the data starts aligned.
        var padded = (int)((json.Length + 7) / 8 * 8);
        var bytes = new byte[padded];
        json.GetBuffer().AsSpan(0, (int)json.Length).CopyTo(bytes);
        bytes.AsSpan((int)json.Length).Fill((byte)' ');
        return bytes;
    }

    // Copies in slices along the first dimension, then in flat chunks: never a full-size copy of a large or
    // non-contiguous tensor, never a span over 2 GiB, and every intermediate is disposed here.
    private static void WriteData(Stream stream, Tensor tensor)
    {
        if (tensor.numel() == 0)
        {
            return;
        }

        using var detached = tensor.detach();
        if (detached.dim() == 0)
        {
            using var scalar = detached.cpu();
            stream.Write(scalar.bytes);
            return;
        }

        var rows = detached.shape[0];
        var rowBytes = detached.numel() / rows * detached.ElementSize;
        var rowsPerChunk = Math.Max(1, ChunkBytes / rowBytes);
        for (long start = 0; start < rows; start += rowsPerChunk)
        {
            using var slice = detached.narrow(0, start, Math.Min(rowsPerChunk, rows - start));
            using var cpu = slice.cpu();
            using var contiguous = cpu.contiguous();
            using var flat = contiguous.view(-1);
            var perChunk = ChunkBytes / flat.ElementSize;
            for (long at = 0; at < flat.numel(); at += perChunk)
            {
                using var part = flat.narrow(0, at, Math.Min(perChunk, flat.numel() - at));
                stream.Write(part.bytes);
            }
        }
    }

    private static void Fill(Stream stream, Tensor tensor, byte[] buffer)
    {
        if (tensor.numel() == 0)
        {
            return;
        }

        using var flat = tensor.view(-1);
        var perChunk = buffer.Length / tensor.ElementSize;
        for (long at = 0; at < flat.numel(); at += perChunk)
        {
            var count = Math.Min(perChunk, flat.numel() - at);
            var span = buffer.AsSpan(0, (int)(count * tensor.ElementSize));
            stream.ReadExactly(span);
            using var part = flat.narrow(0, at, count);
            part.bytes = span;
        }
    }

    internal static CheckpointCorruptedException Corrupted(string source, string what) =>
        new($"Checkpoint '{source}' is corrupted: {what}. Restore it from a backup or save it again.");
}
