using System.Globalization;

namespace Dendritic.Onnx.Quantization;

/// <summary>
/// Counts the entries of the model's graph in the protobuf wire format, before the parser builds one object per entry.
/// An entry can take two bytes of the file (a tag and a zero length) and a few hundred bytes parsed: 5,000,000 empty
/// initializers in a 10 MB file made the parser alone hold 2 GB, before any check could refuse them. Real graphs spend
/// far more than 16 bytes of the file per entry (names, types, weights), so more entries than one per 16 bytes, past
/// <see cref="AnyFile"/>, are refused unparsed. A file that is not valid protobuf is left to the parser to report.
/// </summary>
internal static class GraphEntryCount
{
    /// <summary>Entries any file may hold, whatever its size.</summary>
    public const long AnyFile = 1 << 16;

    /// <summary>Bytes of the file per entry beyond <see cref="AnyFile"/>.</summary>
    public const long BytesPerEntry = 16;

    private const int ModelGraph = 7;

    /// <summary>Throws when the graph's node, initializer, input, output and value-info entries are over the bound.</summary>
    /// <exception cref="OnnxQuantizationException">The graph holds more entries than the file's size allows; the message gives both.</exception>
    public static void ThrowIfOverBound(byte[] model)
    {
        var entries = Count(model);
        var bound = System.Math.Max(AnyFile, model.LongLength / BytesPerEntry);
        if (entries > bound)
        {
            throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"The ONNX model's graph declares {entries} nodes, initializers, inputs, outputs and value infos in {model.LongLength} bytes, more than one per {BytesPerEntry} bytes (at least {AnyFile} are always taken): a real graph spends far more on each, so the file was crafted or damaged, and it is not parsed."));
        }
    }

    // The graph's repeated entries (GraphProto fields 1 node, 5 initializer, 11 input, 12 output, 13 value_info, 15
    // sparse_initializer), in every graph field of the model (the parser merges repeated ones). -1: not valid protobuf.
    private static long Count(byte[] bytes)
    {
        long entries = 0;
        var at = 0;
        while (at < bytes.Length)
        {
            if (!Field(bytes, bytes.Length, ref at, out var field, out var start, out var length))
            {
                return -1;
            }

            if (field == ModelGraph && length >= 0)
            {
                var end = start + length;
                for (var inner = start; inner < end;)
                {
                    if (!Field(bytes, end, ref inner, out var graphField, out _, out var entryLength))
                    {
                        return -1;
                    }

                    if (entryLength >= 0 && graphField is 1 or 5 or 11 or 12 or 13 or 15)
                    {
                        entries++;
                    }
                }
            }
        }

        return entries;
    }

    // Reads one field at `at` and moves past it, within bytes[..end]: its number, and for a length-delimited one where its
    // value starts and its length (-1 for the other wire types). False where the bytes are not a valid field.
    private static bool Field(byte[] bytes, int end, ref int at, out long field, out int start, out int length)
    {
        start = 0;
        length = -1;
        if (!Varint(bytes, end, ref at, out var tag) || tag >> 3 == 0)
        {
            field = 0;
            return false;
        }

        field = (long)(tag >> 3);
        switch (tag & 7)
        {
            case 0:
                return Varint(bytes, end, ref at, out _);
            case 1:
                at += 8;
                return at <= end;
            case 5:
                at += 4;
                return at <= end;
            case 2:
                if (!Varint(bytes, end, ref at, out var size) || size > (ulong)(end - at))
                {
                    return false;
                }

                start = at;
                length = (int)size;
                at += length;
                return true;
            default:
                return false;
        }
    }

    private static bool Varint(byte[] bytes, int end, ref int at, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && at < end; shift += 7)
        {
            var b = bytes[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }
}
