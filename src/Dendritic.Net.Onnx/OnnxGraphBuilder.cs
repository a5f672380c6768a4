using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dendritic.Onnx.Export;
using Dendritic.Onnx.Proto;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx;

/// <summary>
/// The ONNX graph being written. <see cref="OnnxExporter"/> creates one per export and hands it to
/// <see cref="IOnnxExportable"/> modules so they can add their nodes. Values are referred to by name; every method
/// that creates a value returns its (unique) name.
/// </summary>
/// <remarks>
/// A description may open its own <c>torch.NewDisposeScope()</c> around the builder's methods: the values the export
/// computes on the sample (to check the description) and its copies of initializers belong to the builder, not to the
/// scope that is current when they are made, and are freed when the export ends.
/// </remarks>
public sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _samples = new(StringComparer.Ordinal);

    // Every sample handle the builder made (one per SetSample, so a value stored twice is disposed once), freed by
    // ReleaseSamples when the export ends. A user's description may run inside its own dispose scope, which would
    // otherwise free what the check reads after ExportOnnx returns.
    private readonly List<Tensor> _owned = new();

    // Why a value has no sample (the node the evaluator could not compute, passed on to the nodes after it), so that a
    // description that cannot be checked says which operator stopped the check.
    private readonly Dictionary<string, string> _unknown = new(StringComparer.Ordinal);

    private readonly List<string> _scope = new();
    private readonly Dictionary<nn.Module, WrappedLayer> _hooked = new(ReferenceEqualityComparer.Instance);
    private int _counter;

    internal OnnxGraphBuilder(GraphProto graph, ScalarType dtype)
    {
        _graph = graph;
        DType = dtype;
    }

    /// <summary>The path of the module being exported (dot-separated child names); empty at the root.</summary>
    public string Path => string.Join('.', _scope.Where(s => s.Length > 0));

    /// <summary>The floating-point type of the exported graph (that of the sample input).</summary>
    internal ScalarType DType { get; }

    /// <summary>Where the sample run happens: the sample input's device (the model's).</summary>
    internal Device SampleDevice { get; set; } = CPU;

    /// <summary>
    /// Set while a converter writes a module whose own run on the sample then gives the module's output its value
    /// (<see cref="ModuleExport"/>), and while a module host's cascade is written, whose value the host's and its
    /// copies' values give (<see cref="ModuleHostExport"/>): its nodes are not computed on the sample, which would
    /// compute the module a second time (a fused dendrite layer's projection, split and cascade) and keep every
    /// intermediate value until the export ends, for values that nothing reads. Set through
    /// <see cref="WithoutNodeSamples{T}"/>.
    /// </summary>
    internal bool ModuleRunGivesSamples { get; private set; }

    /// <summary>
    /// Runs <paramref name="emit"/> with <see cref="ModuleRunGivesSamples"/> set to <paramref name="moduleRunGivesSamples"/>
    /// (true where a module's own run, or its parts' runs, then give its output the value), and gives the flag back
    /// its previous value when <paramref name="emit"/> returns or throws, so that one scope may open inside another.
    /// </summary>
    /// <typeparam name="T">What <paramref name="emit"/> returns (the name of the value it wrote).</typeparam>
    /// <param name="moduleRunGivesSamples">Whether the nodes added meanwhile are left uncomputed on the sample.</param>
    /// <param name="emit">The converter that adds the nodes.</param>
    /// <returns>What <paramref name="emit"/> returned.</returns>
    internal T WithoutNodeSamples<T>(bool moduleRunGivesSamples, Func<T> emit)
    {
        var previous = ModuleRunGivesSamples;
        ModuleRunGivesSamples = moduleRunGivesSamples;
        try
        {
            return emit();
        }
        finally
        {
            ModuleRunGivesSamples = previous;
        }
    }

    /// <summary>Where the export logs (a description it could not check); <see cref="NullLogger.Instance"/> unless the export gives one.</summary>
    internal ILogger Logger { get; set; } = NullLogger.Instance;

    /// <summary>
    /// Exports <paramref name="module"/> (any supported module, a <see cref="DendriteLayer"/>, a Sequential or another
    /// <see cref="IOnnxExportable"/>) applied to <paramref name="input"/>.
    /// </summary>
    /// <param name="module">The child module.</param>
    /// <param name="input">Name of the value that holds the child's input.</param>
    /// <param name="name">The child's name, appended to <see cref="Path"/> in node names and error messages.</param>
    /// <returns>Name of the value that holds the child's output.</returns>
    /// <exception cref="OnnxExportException">The child, or one of its own children, cannot be exported.</exception>
    public string AddModule(nn.Module module, string input, string name)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrEmpty(input);
        ArgumentNullException.ThrowIfNull(name);
        _scope.Add(name);
        try
        {
            return ModuleExport.Emit(this, module, input);
        }
        finally
        {
            _scope.RemoveAt(_scope.Count - 1);
        }
    }

    /// <summary>Adds one ONNX operator node (default domain, opset <see cref="OnnxExporter.OpsetVersion"/>) with one output.</summary>
    /// <param name="opType">The operator, e.g. <c>Add</c>, <c>Relu</c>, <c>Concat</c>.</param>
    /// <param name="inputs">Names of its inputs, in the operator's order; an empty string skips an optional input.</param>
    /// <param name="attributes">
    /// Its attributes: values of type long, int, double, float, string, long[], int[], float[] or double[].
    /// Null for none.
    /// </param>
    /// <returns>Name of the node's output value.</returns>
    public string AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyDictionary<string, object>? attributes = null) =>
        AddNode(opType, inputs, 1, attributes)[0];

    /// <summary>Adds a constant tensor (a weight, a shape, a scalar) to the graph.</summary>
    /// <param name="value">
    /// The value; it is copied now, converted to the graph's float type when it is floating point, so it may be disposed
    /// (or its dispose scope end) as soon as this returns.
    /// </param>
    /// <param name="name">A readable name; it is made unique and prefixed with <see cref="Path"/>.</param>
    /// <returns>The initializer's name, to use as a node input.</returns>
    public string AddInitializer(Tensor value, string name)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var unique = Unique(name);
        _graph.Initializer.Add(TensorProtos.From(value, unique, DType));

        // Only a computed node reads an initializer's sample: while a module's run gives the samples, keeping one would
        // hold a converter's temporary weights (a fused dendrite layer's) until the export ends, for nothing.
        if (!ModuleRunGivesSamples)
        {
            // Both are handles of the builder's making, freed here (a second Dispose of one handle does nothing);
            // SetSample keeps a handle of its own on the converted data.
            using var detached = value.detach();
            using var converted = torch.is_floating_point(value) ? detached.to(DType, SampleDevice) : detached.to(SampleDevice);
            SetSample(unique, converted);
        }

        return unique;
    }

    /// <summary>Adds a node with <paramref name="outputs"/> outputs and returns their names.</summary>
    internal string[] AddNode(string opType, IReadOnlyList<string> inputs, int outputs, IReadOnlyDictionary<string, object>? attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        var node = new NodeProto { OpType = opType, Name = Unique(opType + "_node") };
        node.Input.AddRange(inputs);
        var names = new string[outputs];
        for (var i = 0; i < outputs; i++)
        {
            names[i] = Unique(opType);
        }

        node.Output.AddRange(names);
        if (attributes is not null)
        {
            foreach (var (key, value) in attributes)
            {
                node.Attribute.Add(TensorProtos.Attribute(key, value));
            }
        }

        _graph.Node.Add(node);
        if (!ModuleRunGivesSamples)
        {
            Evaluate(node.Name, opType, inputs, names, attributes);
        }

        return names;
    }

    /// <summary>Adds a node whose single output gets exactly <paramref name="output"/> as its name (reserved with <see cref="Reserve"/> before any other value was named).</summary>
    internal void AddNamedNode(string opType, string input, string output)
    {
        _names.Add(output);
        var node = new NodeProto { OpType = opType, Name = Unique(opType + "_node") };
        node.Input.Add(input);
        node.Output.Add(output);
        _graph.Node.Add(node);
    }

    /// <summary>Reserves a name that the graph already uses (the graph input).</summary>
    internal void Reserve(string name) => _names.Add(name);

    /// <summary>A 1-D int64 constant, for shapes, axes and indices.</summary>
    internal string AddInt64s(string name, params long[] values)
    {
        using var tensor = torch.tensor(values, int64);
        return AddInitializer(tensor, name);
    }

    /// <summary>A float scalar constant in the graph's type.</summary>
    internal string AddScalar(string name, double value)
    {
        using var tensor = torch.tensor(value, DType);
        return AddInitializer(tensor, name);
    }

    /// <summary>Registers the host modules whose dendrites a forward hook adds (a model wrapped in hook mode).</summary>
    internal void AddHookedLayers(DendriticModel model)
    {
        var modules = model.Model.named_modules().ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
        foreach (var layer in model.Layers.Where(l => l.Mode == AttachMode.Hooked))
        {
            if (modules.TryGetValue(layer.Name, out var host))
            {
                _hooked[host] = layer;
            }
        }
    }

    /// <summary>The wrapped layer whose hook adds dendrites to <paramref name="module"/>; null for other modules.</summary>
    internal WrappedLayer? HookedLayer(nn.Module module) => _hooked.TryGetValue(module, out var layer) ? layer : null;

    /// <summary>The sample tensor that flowed through <paramref name="value"/> in the reference run, when known.</summary>
    internal Tensor? Sample(string value) => _samples.TryGetValue(value, out var sample) ? sample : null;

    /// <summary>
    /// Gives <paramref name="value"/> its sample: a handle of the builder's own on <paramref name="sample"/>'s data,
    /// outside every dispose scope, so that it lives until <see cref="ReleaseSamples"/> whatever scope the caller (a
    /// user's description, a converter) is in. <paramref name="sample"/> itself stays its caller's.
    /// </summary>
    internal void SetSample(string value, Tensor sample)
    {
        var owned = sample.detach().DetachFromDisposeScope();
        _owned.Add(owned);
        _samples[value] = owned;
    }

    /// <summary>Frees every sample value (the export calls it when it ends, also when it fails); none is known after.</summary>
    internal void ReleaseSamples()
    {
        _samples.Clear();
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _owned.Clear();
    }

    /// <summary>Why <paramref name="value"/> has no sample: the first node on its way that could not be computed.</summary>
    internal string WhyUnknown(string value) =>
        _unknown.TryGetValue(value, out var reason) ? reason : $"the value '{value}' is not computed on the sample";

    internal OnnxExportException Error(nn.Module module, string message) =>
        new(Path, module.GetType().Name, string.Create(CultureInfo.InvariantCulture, $"{OnnxExportException.Describe(Path, module.GetType().Name)}: {message}"));

    /// <summary>
    /// Gives the node's output its value on the sample when every input has one and the evaluator computes the
    /// operator; otherwise records, for each of <paramref name="outputs"/>, why not. An empty input name is an optional
    /// input left out.
    /// </summary>
    private void Evaluate(string nodeName, string opType, IReadOnlyList<string> inputs, string[] outputs, IReadOnlyDictionary<string, object>? attributes)
    {
        var samples = new Tensor?[inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].Length == 0)
            {
                continue;
            }

            if (Sample(inputs[i]) is not { } sample)
            {
                var why = WhyUnknown(inputs[i]);
                foreach (var output in outputs)
                {
                    _unknown[output] = why;
                }

                return;
            }

            samples[i] = sample;
        }

        // The evaluator computes nodes of one output: the only node of more is a dendrite layer's Split, which the
        // exporter writes while the layer's own run gives the value (ModuleRunGivesSamples).
        string reason;
        if (outputs.Length != 1)
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"it has {outputs.Length} outputs, and the exporter computes nodes of one output");
        }
        else if (SampleEvaluator.TryEvaluate(opType, samples, attributes, out reason) is { } value)
        {
            SetSample(outputs[0], value);
            return;
        }

        foreach (var output in outputs)
        {
            _unknown[output] = $"node '{nodeName}' cannot be computed on the sample: {reason}";
        }
    }

    private string Unique(string name)
    {
        var prefix = Path.Length == 0 ? name : Path + "/" + name;
        var candidate = prefix;
        while (!_names.Add(candidate))
        {
            candidate = string.Create(CultureInfo.InvariantCulture, $"{prefix}_{++_counter}");
        }

        return candidate;
    }
}
