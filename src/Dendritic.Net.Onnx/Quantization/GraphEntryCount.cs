using System.Collections.Generic;
using System.Globalization;

namespace Dendritic.Onnx.Quantization;

/// <summary>
/// Counts the messages of a model in the protobuf wire format, at every depth, before the parser builds one object per
/// message. A message can take two bytes of the file (a tag and a zero length) and a few hundred bytes parsed: 5,000,000
/// empty initializers in a 10 MB file made the parser alone hold 2 GB, and empty attributes, subgraph nodes or shape
/// dimensions do the same. Real graphs spend far more than <see cref="BytesPerEntry"/> bytes of the file per message
/// (names, types, weights), so past <see cref="AnyFile"/> messages, more than one per that many bytes is refused
/// unparsed. The walk reads the wire format as Google.Protobuf does (tags and lengths as 32-bit values) along the
/// fields of onnx-subset.proto; a length-delimited field the schema does not know is kept by the parser as an unknown
/// field, so it counts as one too. Groups (wire types 3 and 4), which ONNX never uses, and bytes that are not protobuf
/// are refused.
/// </summary>
internal static class GraphEntryCount
{
    /// <summary>Messages any file may hold, whatever its size.</summary>
    public const long AnyFile = 1 << 16;

    /// <summary>Bytes of the file per message beyond <see cref="AnyFile"/>.</summary>
    public const long BytesPerEntry = 16;

    // Google.Protobuf's default recursion limit: a deeper file does not parse.
    private const int MaxDepth = 100;

    private enum Kind
    {
        Model, Graph, Node, Attribute, ValueInfo, Type, TypeTensor, Shape, Dimension, Tensor, SparseTensor, Entry, OpsetId,
    }

    // onnx-subset.proto: each message's fields, with the kind of those that are messages (null for the others).
    private static readonly Dictionary<Kind, Dictionary<uint, Kind?>> Schema = new()
    {
        [Kind.Model] = Fields((7, Kind.Graph), (8, Kind.OpsetId), (14, Kind.Entry), (1, null), (2, null), (3, null), (4, null), (5, null), (6, null)),
        [Kind.Graph] = Fields((1, Kind.Node), (5, Kind.Tensor), (11, Kind.ValueInfo), (12, Kind.ValueInfo), (13, Kind.ValueInfo), (15, Kind.SparseTensor), (2, null), (10, null)),
        [Kind.Node] = Fields((5, Kind.Attribute), (1, null), (2, null), (3, null), (4, null), (6, null), (7, null)),
        [Kind.Attribute] = Fields((5, Kind.Tensor), (6, Kind.Graph), (10, Kind.Tensor), (11, Kind.Graph), (1, null), (2, null), (3, null), (4, null), (7, null), (8, null), (9, null), (13, null), (20, null), (21, null)),
        [Kind.ValueInfo] = Fields((2, Kind.Type), (1, null), (3, null)),
        [Kind.Type] = Fields((1, Kind.TypeTensor), (6, null)),
        [Kind.TypeTensor] = Fields((2, Kind.Shape), (1, null)),
        [Kind.Shape] = Fields((1, Kind.Dimension)),
        [Kind.Dimension] = Fields((1, null), (2, null), (3, null)),
        [Kind.Tensor] = Fields((13, Kind.Entry), (1, null), (2, null), (4, null), (5, null), (6, null), (7, null), (8, null), (9, null), (10, null), (11, null), (12, null), (14, null)),
        [Kind.SparseTensor] = Fields((1, Kind.Tensor), (2, Kind.Tensor), (3, null)),
        [Kind.Entry] = Fields((1, null), (2, null)),
        [Kind.OpsetId] = Fields((1, null), (2, null)),
    };

    /// <summary>Throws when the model's messages are over the bound, or its bytes are no protobuf the walk can read.</summary>
    /// <exception cref="OnnxQuantizationException">Too many messages for the file's size (the message gives both), a group, or bytes that are not protobuf.</exception>
    public static void ThrowIfOverBound(byte[] model)
    {
        long entries = 0;
        Walk(model, 0, model.Length, Kind.Model, 0, ref entries);
        var bound = System.Math.Max(AnyFile, model.LongLength / BytesPerEntry);
        if (entries > bound)
        {
            throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"The ONNX model declares {entries} messages (nodes, attributes, tensors, value infos, shape dimensions, ...) in {model.LongLength} bytes, more than one per {BytesPerEntry} bytes (at least {AnyFile} are always taken): a real model spends far more on each, so the file was crafted or damaged, and it is not parsed."));
        }
    }

    private static void Walk(byte[] bytes, int at, int end, Kind kind, int depth, ref long entries)
    {
        if (depth > MaxDepth)
        {
            throw NotProtobuf($"its messages nest deeper than {MaxDepth}");
        }

        var fields = Schema[kind];
        while (at < end)
        {
            var tag = Varint32(bytes, end, ref at);
            var field = tag >> 3;
            if (field == 0)
            {
                throw NotProtobuf("a field number is 0");
            }

            switch (tag & 7)
            {
                case 0:
                    Varint32(bytes, end, ref at);
                    break;
                case 1:
                    at = Skip(at, 8, end);
                    break;
                case 5:
                    at = Skip(at, 4, end);
                    break;
                case 2:
                    var length = (int)Varint32(bytes, end, ref at);
                    var start = at;
                    at = Skip(at, length, end);
                    if (!fields.TryGetValue(field, out var child))
                    {
                        entries++;
                    }
                    else if (child is { } message)
                    {
                        entries++;
                        Walk(bytes, start, at, message, depth + 1, ref entries);
                    }

                    break;
                default:
                    throw NotProtobuf(string.Create(CultureInfo.InvariantCulture, $"field {field} has wire type {tag & 7} (a group, which ONNX does not use, or none)"));
            }
        }
    }

    private static int Skip(int at, int length, int end) =>
        length < 0 || length > end - at ? throw NotProtobuf("a field runs past the end of its message") : at + length;

    // A varint's low 32 bits, as Google.Protobuf reads tags and lengths (up to 10 bytes, the rest discarded).
    private static uint Varint32(byte[] bytes, int end, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; shift < 70 && at < end; shift += 7)
        {
            var b = bytes[at++];
            if (shift < 64)
            {
                value |= (ulong)(b & 0x7F) << shift;
            }

            if ((b & 0x80) == 0)
            {
                return (uint)value;
            }
        }

        throw NotProtobuf("a varint is cut off or longer than 10 bytes");
    }

    private static Dictionary<uint, Kind?> Fields(params (uint Number, Kind? Message)[] fields)
    {
        var result = new Dictionary<uint, Kind?>();
        foreach (var (number, message) in fields)
        {
            result[number] = message;
        }

        return result;
    }

    private static OnnxQuantizationException NotProtobuf(string why) =>
        new("The bytes are not an ONNX model (protobuf parse failed): " + why + ".");
}
