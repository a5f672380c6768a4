using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using Dendritic.Onnx.Proto;
using Google.Protobuf;

namespace Dendritic.Onnx.Quantization;

/// <summary>
/// A parsed ONNX model being rewritten: its initializers by name, name uniqueness for new values, and helpers that
/// write the constants quantization adds (int8 weights, scales, zero points).
/// </summary>
internal sealed class QuantGraph
{
    private readonly Dictionary<string, TensorProto> _initializers;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _counter;

    private QuantGraph(ModelProto model)
    {
        Model = model;
        _initializers = Graph.Initializer.GroupBy(i => i.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        _names.UnionWith(_initializers.Keys);
        _names.UnionWith(Graph.Input.Select(i => i.Name));
        _names.UnionWith(Graph.Node.SelectMany(n => n.Output.Concat(n.Input)));
        _names.UnionWith(Graph.Node.Select(n => n.Name));
    }

    public ModelProto Model { get; }

    public GraphProto Graph => Model.Graph;

    /// <summary>Parses a serialised model; anything that is not an ONNX model with a graph is a typed error.</summary>
    public static QuantGraph Parse(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxQuantizationException("The bytes are not an ONNX model (protobuf parse failed): " + e.Message, e);
        }

        if (model.Graph is null || model.Graph.Node.Count == 0)
        {
            throw new OnnxQuantizationException("The ONNX model has no graph nodes; pass a model written by OnnxExporter (or another ONNX exporter).");
        }

        return new QuantGraph(model);
    }

    /// <summary>How a node is named in messages: its name, or its index and type when it has none.</summary>
    public static string Label(NodeProto node, int index) =>
        node.Name.Length > 0 ? node.Name : string.Create(CultureInfo.InvariantCulture, $"#{index} ({node.OpType})");

    public TensorProto? Initializer(string name) => _initializers.GetValueOrDefault(name);

    /// <summary>The values of a float32 initializer, from raw_data or float_data.</summary>
    public static float[] Floats(TensorProto tensor)
    {
        if (!tensor.RawData.IsEmpty)
        {
            return MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
        }

        return tensor.FloatData.ToArray();
    }

    public static bool IsFloat(TensorProto tensor) => tensor.DataType == (int)TensorProto.Types.DataType.Float;

    /// <summary>A name not yet used in the graph, derived from <paramref name="name"/>.</summary>
    public string Unique(string name)
    {
        var candidate = name;
        while (!_names.Add(candidate))
        {
            candidate = string.Create(CultureInfo.InvariantCulture, $"{name}_{++_counter}");
        }

        return candidate;
    }

    public NodeProto Node(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, params (string Name, long Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Unique(opType + "_quant_node") };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach (var (name, value) in attributes)
        {
            node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });
        }

        return node;
    }

    public string AddFloats(string name, float[] values, params long[] dims) =>
        Add(name, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), dims);

    public string AddInt8s(string name, sbyte[] values, params long[] dims) =>
        Add(name, TensorProto.Types.DataType.Int8, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), dims);

    public string AddUInt8(string name, byte value) =>
        Add(name, TensorProto.Types.DataType.Uint8, new[] { value });

    public string AddInt32s(string name, int[] values, params long[] dims) =>
        Add(name, TensorProto.Types.DataType.Int32, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), dims);

    /// <summary>Removes an initializer that no node reads any more (a float weight replaced by its int8 form).</summary>
    public void RemoveUnusedInitializer(string name)
    {
        if (Graph.Node.Any(n => n.Input.Contains(name)) || Graph.Output.Any(o => o.Name == name))
        {
            return;
        }

        var tensor = Initializer(name);
        if (tensor is not null)
        {
            Graph.Initializer.Remove(tensor);
            _initializers.Remove(name);
        }
    }

    private string Add(string name, TensorProto.Types.DataType type, byte[] raw, params long[] dims)
    {
        var unique = Unique(name);
        var tensor = new TensorProto { Name = unique, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        tensor.Dims.AddRange(dims);
        Graph.Initializer.Add(tensor);
        _initializers[unique] = tensor;
        return unique;
    }
}
