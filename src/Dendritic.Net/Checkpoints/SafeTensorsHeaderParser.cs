using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Turns a safetensors JSON header into a <see cref="SafeTensorsHeader"/>, checking every field it declares before
/// anything is allocated from it; <see cref="SafeTensorsFormat.ReadHeader"/> calls it once the header's bytes are read
/// (within their cap) and parsed as JSON.
/// </summary>
internal static class SafeTensorsHeaderParser
{
    /// <summary>
    /// Validates a parsed header against a data section of <paramref name="dataBytes"/> bytes: known dtypes, shapes
    /// whose byte size fits a long and matches the offsets, offsets that cover the data exactly, at most
    /// <see cref="CheckpointLoadOptions.MaxTensorCount"/> tensors.
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">Anything is wrong; the message names the tensor and field.</exception>
    public static SafeTensorsHeader Parse(JsonElement root, long dataBytes, CheckpointLoadOptions options, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw SafeTensorsFormat.Corrupted(source, "the weights header is not a JSON object");
        }

        var entries = new List<SafeTensorEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            var name = property.Name;
            if (name == SafeTensorsFormat.MetadataKey)
            {
                ReadMetadata(property.Value, metadata, source);
                continue;
            }

            if (entries.Count == options.MaxTensorCount)
            {
                throw SafeTensorsFormat.Corrupted(source, $"the weights header lists more than {options.MaxTensorCount} tensors (CheckpointLoadOptions.MaxTensorCount)");
            }

            entries.Add(Entry(name, property.Value, source));
        }

        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        foreach (var entry in entries)
        {
            if (entry.Begin != expected)
            {
                var what = entry.Begin < expected ? "overlaps the tensor before it" : "leaves a gap of unaccounted bytes before it";
                throw SafeTensorsFormat.Corrupted(source, $"tensor '{UntrustedText.Name(entry.Key)}' field 'data_offsets' [{entry.Begin}, {entry.End}] {what} (expected to start at {expected})");
            }

            expected = entry.End;
        }

        if (expected != dataBytes)
        {
            throw SafeTensorsFormat.Corrupted(source, $"the tensors cover {expected} bytes but the data section holds {dataBytes}: {(expected < dataBytes ? "trailing bytes belong to no tensor" : "the data is truncated")}");
        }

        return new SafeTensorsHeader(entries, metadata, dataBytes);
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw SafeTensorsFormat.Corrupted(source, $"the weights header field '{SafeTensorsFormat.MetadataKey}' is not an object");
        }

        foreach (var item in value.EnumerateObject())
        {
            var name = item.Name;
            var field = $"the weights header field '{SafeTensorsFormat.MetadataKey}.{UntrustedText.Name(name)}'";
            metadata[name] = item.Value.ValueKind == JsonValueKind.String
                ? Text(item.Value, field, source)
                : throw SafeTensorsFormat.Corrupted(source, $"{field} is not a string");
        }
    }

    private static SafeTensorEntry Entry(string name, JsonElement node, string source)
    {
        // The key as the messages quote it, bounded: it is the file's.
        var key = UntrustedText.Name(name);
        if (node.ValueKind != JsonValueKind.Object)
        {
            throw SafeTensorsFormat.Corrupted(source, $"tensor '{key}' is not a JSON object in the weights header");
        }

        var dtypeName = node.TryGetProperty("dtype", out var d) && d.ValueKind == JsonValueKind.String ? Text(d, $"tensor '{key}' field 'dtype'", source) : throw SafeTensorsFormat.Corrupted(source, $"tensor '{key}' field 'dtype' is missing or not a string");
        if (!SafeTensorsFormat.Types.TryGetValue(dtypeName, out var dtype))
        {
            throw SafeTensorsFormat.Corrupted(source, $"tensor '{key}' field 'dtype' is '{UntrustedText.Excerpt(dtypeName)}', which is not one of {string.Join(", ", SafeTensorsFormat.Types.Keys)}");
        }

        var shape = Longs(node, "shape", key, source, count: null);
        var offsets = Longs(node, "data_offsets", key, source, count: 2);
        long bytes;
        try
        {
            bytes = shape.Aggregate(1L, (a, b) => checked(a * b));
            bytes = checked(bytes * ElementSize(dtype));
        }
        catch (OverflowException)
        {
            throw SafeTensorsFormat.Corrupted(source, $"tensor '{key}' field 'shape' [{string.Join(", ", shape)}] describes more bytes than a file can hold");
        }

        if (offsets[1] < offsets[0] || offsets[1] - offsets[0] != bytes)
        {
            throw SafeTensorsFormat.Corrupted(source, $"tensor '{key}' field 'data_offsets' [{offsets[0]}, {offsets[1]}] does not span the {bytes} bytes its dtype {dtypeName} and shape [{string.Join(", ", shape)}] need");
        }

        return new SafeTensorEntry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] Longs(JsonElement node, string field, string key, string source, int? count)
    {
        if (!node.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw SafeTensorsFormat.Corrupted(source, $"tensor '{key}' field '{field}' is missing or not an array");
        }

        var length = array.GetArrayLength();
        if ((count is not null && length != count) || length > 16)
        {
            throw SafeTensorsFormat.Corrupted(source, $"tensor '{key}' field '{field}' has {length} entries, expected {count?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "at most 16"}");
        }

        var values = new long[length];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var value) || value < 0)
            {
                throw SafeTensorsFormat.Corrupted(source, $"tensor '{key}' field '{field}' entry {i} is not a non-negative integer");
            }

            values[i++] = value;
        }

        return values;
    }

    // Called for string values only, so null means no valid text (an escaped unpaired surrogate). Keys never get here
    // undecodable: the duplicate-key check of UntrustedText.ParseJson decodes every one.
    private static string Text(JsonElement value, string field, string source) =>
        UntrustedText.TryGetString(value) ?? throw SafeTensorsFormat.Corrupted(source, $"{field} is not valid text (an unpaired UTF-16 surrogate escape)");

    private static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };
}
