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
    /// <summary>The constant slack of <see cref="Reserve"/>'s budget, beyond 4 bytes per byte of the input model.</summary>
    private const long BudgetSlack = 16L << 20;

    private readonly Dictionary<string, TensorProto> _initializers;
    private readonly string[] _labels;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly long _budget;
    private long _reserved;
    private int _counter;

    private QuantGraph(ModelProto model, long modelBytes, string[] labels, OperatorSetIdProto defaultOpset)
    {
        Model = model;
        DefaultOpset = defaultOpset;
        _labels = labels;
        _budget = (4 * modelBytes) + BudgetSlack;
        // GraphCheck has refused a name given to two initializers.
        _initializers = Graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);

        // Every name the file uses, for a value or a node (ONNX keeps the two apart; one set is the safer side), so
        // that nothing the writers add takes one. value_info and graph outputs count too: a new uint8 value named as
        // a float value_info entry got that entry's type, and ONNX Runtime refused the file ("Type Error").
        _names.UnionWith(_initializers.Keys);
        _names.UnionWith(Graph.SparseInitializer.Select(s => s.Values?.Name ?? string.Empty));
        _names.UnionWith(Graph.Input.Select(i => i.Name));
        _names.UnionWith(Graph.Output.Select(o => o.Name));
        _names.UnionWith(Graph.ValueInfo.Select(v => v.Name));
        _names.UnionWith(Graph.Node.SelectMany(n => n.Output.Concat(n.Input)));
        _names.UnionWith(Graph.Node.Select(n => n.Name));
    }

    public ModelProto Model { get; }

    public GraphProto Graph => Model.Graph;

    /// <summary>The model's one import of the default operator set (checked by <see cref="OpsetCheck.DefaultImport"/>).</summary>
    public OperatorSetIdProto DefaultOpset { get; }

    /// <summary>Parses a serialised model; anything that is not an ONNX model with a graph is a typed error.</summary>
    public static QuantGraph Parse(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        GraphEntryCount.ThrowIfOverBound(bytes);
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

        var labels = GraphCheck.Validate(model.Graph);
        var defaultOpset = OpsetCheck.DefaultImport(model);
        return new QuantGraph(model, bytes.LongLength, labels, defaultOpset);
    }

    /// <summary>
    /// How the node at <paramref name="index"/> of the graph as parsed is named in messages and results (see
    /// <see cref="NodeLabels"/>); read before the writers reorder the nodes.
    /// </summary>
    public string Label(int index) => _labels[index];

    /// <summary>
    /// A name from the file, in quotes, for a message: whole up to 256 characters, so a hostile file cannot make a
    /// message of megabytes (the exception's NodeName and ValueName keep the whole name).
    /// </summary>
    public static string Quote(string name) => "'" + UntrustedText.Name(name) + "'";

    /// <summary>A tensor's shape for a message: [d0, d1, ...], the first 8 dimensions of a longer one and their count.</summary>
    public static string Shape(IReadOnlyList<long> dims)
    {
        const int Shown = 8;
        var shown = string.Join(", ", dims.Take(Shown).Select(d => d.ToString(CultureInfo.InvariantCulture)));
        return dims.Count <= Shown ? $"[{shown}]" : string.Create(CultureInfo.InvariantCulture, $"[{shown}, ... ({dims.Count} dimensions)]");
    }

    public TensorProto? Initializer(string name) => _initializers.GetValueOrDefault(name);

    /// <summary>The values of a float32 initializer, from raw_data or float_data (checked first by <see cref="FloatConstantCheck"/>).</summary>
    public static float[] Floats(TensorProto tensor)
    {
        if (!tensor.RawData.IsEmpty)
        {
            return MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
        }

        return tensor.FloatData.ToArray();
    }

    public static bool IsFloat(TensorProto tensor) => tensor.DataType == (int)TensorProto.Types.DataType.Float;

    /// <summary>
    /// Counts the bytes of constants a writer is about to add for a projection, and refuses them past a budget of 4
    /// bytes per byte of the input model plus 16 MiB. The writers add each distinct weight and bias once, about a
    /// quarter of its float size for the weight and a few times its channel count for scales and biases, so a real
    /// model stays far below; only a file whose weights are shared by many projections that each need their own copy
    /// (a static quantization where each one's bias raises the weight's scales differently) reaches it. Without it, a
    /// few bytes of node could make the quantizer write megabytes, a file of a megabyte gigabytes.
    /// </summary>
    /// <exception cref="OnnxQuantizationException">The budget is spent; names the projection and its weight.</exception>
    public void Reserve(Projection projection, long bytes)
    {
        _reserved += bytes;
        if (_reserved > _budget)
        {
            throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"Quantizing node {Quote(projection.Label)} would bring the constants the quantizer adds past {_budget} bytes (4 times the model's {(_budget - BudgetSlack) / 4} bytes, plus 16 MiB): its weight {Quote(projection.Weight.Name)} (shape {Shape(projection.Weight.Dims)}) is shared with other projections that each need an int8 copy of their own, because each one's bias needs other weight scales. A model written this way is not supported; give each projection its own weight, or quantize with QuantizeDynamic, which shares one copy."), projection.Label, projection.Weight.Name);
        }
    }

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

    /// <summary>
    /// Removes the initializers of <paramref name="names"/> that no node and no graph output reads any more (float
    /// weights replaced by their int8 form), and their graph inputs where the file also lists them as inputs (as IR 3
    /// files list every initializer): a graph input left without its initializer would become one ONNX Runtime asks
    /// the caller for. One pass over the graph for all of them: a search per name was quadratic in the node count.
    /// </summary>
    public void RemoveUnusedInitializers(IEnumerable<string> names)
    {
        var read = Graph.Node.SelectMany(n => n.Input).Concat(Graph.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        var unused = names.Where(n => !read.Contains(n) && _initializers.ContainsKey(n)).ToHashSet(StringComparer.Ordinal);
        if (unused.Count == 0)
        {
            return;
        }

        var kept = Graph.Initializer.Where(i => !unused.Contains(i.Name)).ToList();
        Graph.Initializer.Clear();
        Graph.Initializer.AddRange(kept);
        var inputs = Graph.Input.Where(i => !unused.Contains(i.Name)).ToList();
        Graph.Input.Clear();
        Graph.Input.AddRange(inputs);
        foreach (var name in unused)
        {
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
