using System;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Dendritic.Onnx.Proto;
using Google.Protobuf;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>Conversions from TorchSharp tensors and .NET values to ONNX protobuf messages.</summary>
internal static class TensorProtos
{
    /// <summary>
    /// The element types the exporter writes, each TorchSharp dtype beside its ONNX element type: the one table that
    /// both directions read (<see cref="ElemType"/> for the file, <see cref="DTypeOf"/> for a Cast on the sample), so
    /// that they cannot drift apart.
    /// </summary>
    private static readonly (ScalarType DType, TensorProto.Types.DataType ElemType)[] Written =
    {
        (ScalarType.Float32, TensorProto.Types.DataType.Float),
        (ScalarType.Float64, TensorProto.Types.DataType.Double),
        (ScalarType.Int64, TensorProto.Types.DataType.Int64),
        (ScalarType.Int32, TensorProto.Types.DataType.Int32),
    };

    /// <summary>The element types the exporter writes, in ONNX's numbering, for messages: <c>FLOAT (1), INT32 (6), INT64 (7) and DOUBLE (11)</c>.</summary>
    public static string WrittenElemTypes { get; } = Sentence(Written
        .Select(t => t.ElemType)
        .Order()
        .Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.ToString().ToUpperInvariant()} ({(int)t})"))
        .ToArray());

    /// <summary>The ONNX element type of a TorchSharp dtype.</summary>
    /// <exception cref="NotSupportedException"><paramref name="dtype"/> is not one of the types the exporter writes.</exception>
    public static int ElemType(ScalarType dtype) =>
        Array.FindIndex(Written, t => t.DType == dtype) is var i and >= 0
            ? (int)Written[i].ElemType
            : throw new NotSupportedException($"Tensors of type {dtype} are not exported; use float32 or float64.");

    /// <summary>The TorchSharp dtype of ONNX element type <paramref name="elemType"/>; null for a type the exporter does not write.</summary>
    public static ScalarType? DTypeOf(long elemType) =>
        Array.FindIndex(Written, t => (long)t.ElemType == elemType) is var i and >= 0 ? Written[i].DType : null;

    /// <summary>
    /// A tensor initializer. Floating-point values take the graph's float type; integers stay int64. Data goes in
    /// raw_data, which ONNX defines as little-endian (the byte order of every platform .NET runs on).
    /// </summary>
    public static TensorProto From(Tensor value, string name, ScalarType floatType)
    {
        var target = torch.is_floating_point(value) ? floatType : (value.dtype == ScalarType.Int32 ? ScalarType.Int32 : ScalarType.Int64);
        using var data = value.detach().to(target, CPU).contiguous();
        var proto = new TensorProto { Name = name, DataType = ElemType(target) };
        proto.Dims.AddRange(data.shape);
        var bytes = target switch
        {
            ScalarType.Float32 => MemoryMarshal.AsBytes(data.data<float>().ToArray().AsSpan()).ToArray(),
            ScalarType.Float64 => MemoryMarshal.AsBytes(data.data<double>().ToArray().AsSpan()).ToArray(),
            ScalarType.Int32 => MemoryMarshal.AsBytes(data.data<int>().ToArray().AsSpan()).ToArray(),
            _ => MemoryMarshal.AsBytes(data.data<long>().ToArray().AsSpan()).ToArray(),
        };
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; this platform is not.");
        }

        proto.RawData = ByteString.CopyFrom(bytes);
        return proto;
    }

    /// <summary>A node attribute from a .NET value.</summary>
    public static AttributeProto Attribute(string name, object value)
    {
        var attribute = new AttributeProto { Name = name };
        switch (value)
        {
            case long l:
                attribute.Type = AttributeProto.Types.AttributeType.Int;
                attribute.I = l;
                break;
            case int i:
                attribute.Type = AttributeProto.Types.AttributeType.Int;
                attribute.I = i;
                break;
            case bool b:
                attribute.Type = AttributeProto.Types.AttributeType.Int;
                attribute.I = b ? 1 : 0;
                break;
            case float f:
                attribute.Type = AttributeProto.Types.AttributeType.Float;
                attribute.F = f;
                break;
            case double d:
                attribute.Type = AttributeProto.Types.AttributeType.Float;
                attribute.F = (float)d;
                break;
            case string s:
                attribute.Type = AttributeProto.Types.AttributeType.String;
                attribute.S = ByteString.CopyFrom(s, Encoding.UTF8);
                break;
            case long[] ls:
                attribute.Type = AttributeProto.Types.AttributeType.Ints;
                attribute.Ints.AddRange(ls);
                break;
            case int[] ints:
                attribute.Type = AttributeProto.Types.AttributeType.Ints;
                attribute.Ints.AddRange(ints.Select(x => (long)x));
                break;
            case float[] fs:
                attribute.Type = AttributeProto.Types.AttributeType.Floats;
                attribute.Floats.AddRange(fs);
                break;
            case double[] ds:
                attribute.Type = AttributeProto.Types.AttributeType.Floats;
                attribute.Floats.AddRange(ds.Select(x => (float)x));
                break;
            default:
                throw new ArgumentException($"Attribute '{name}' has a value of type {value?.GetType().Name ?? "null"}; use long, int, bool, double, float, string, long[], int[], float[] or double[].", nameof(value));
        }

        return attribute;
    }

    /// <summary>"a, b, c and d".</summary>
    private static string Sentence(string[] items) =>
        items.Length < 2 ? string.Concat(items) : string.Join(", ", items[..^1]) + " and " + items[^1];

    /// <summary>The type of a graph input or output: element type and shape, <paramref name="batchAxis"/> symbolic (<c>batch</c>) unless null.</summary>
    public static ValueInfoProto ValueInfo(string name, ScalarType dtype, long[] shape, int? batchAxis)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = ElemType(dtype), Shape = new TensorShapeProto() };
        for (var d = 0; d < shape.Length; d++)
        {
            tensorType.Shape.Dim.Add(d == batchAxis
                ? new TensorShapeProto.Types.Dimension { DimParam = "batch" }
                : new TensorShapeProto.Types.Dimension { DimValue = shape[d] });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}
