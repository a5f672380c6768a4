using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dendritic.Onnx.Proto;

namespace Dendritic.Onnx.Quantization;

/// <summary>
/// Checks that a model read from anywhere is a graph the quantizer can rewrite without guessing: no two nodes share a
/// name, every value has one producer (a graph input, an initializer or one node), every value read has one, the nodes
/// form no cycle, and no tensor keeps its values in a file beside the model. The writers place and rename values by
/// name, so a name made twice or read but never made gave a quantized file that silently differs from the float one
/// (or that no runtime loads); the results name nodes by name, so two nodes of one name could not be told apart; an
/// external-data tensor named a file the quantizer must not read. One pass over the graph, before anything is
/// rewritten.
/// </summary>
internal static class GraphCheck
{
    /// <summary>Producer index of a graph input or initializer (node indices are 0 and above).</summary>
    private const int Outside = -1;

    /// <summary>Checks <paramref name="graph"/> and returns the label of each of its nodes (see <see cref="NodeLabels"/>).</summary>
    /// <exception cref="OnnxQuantizationException">
    /// A name is empty, repeated or unproduced, two nodes share a name, the nodes form a cycle, or a tensor is external.
    /// </exception>
    public static string[] Validate(GraphProto graph)
    {
        // First, so that every message below names each node by a label no other node has.
        var labels = NodeLabels.Of(graph);
        var producers = new Dictionary<string, int>(StringComparer.Ordinal);
        var initializers = new HashSet<string>(StringComparer.Ordinal);
        void AddInitializer(string name, bool sparse, params TensorProto?[] tensors)
        {
            if (name.Length == 0)
            {
                throw new OnnxQuantizationException($"{(sparse ? "A sparse initializer" : "An initializer")} of the graph has no name, so no node can read it: the file is damaged. Re-export the model.");
            }

            if (!initializers.Add(name))
            {
                throw new OnnxQuantizationException($"Initializer {QuantGraph.Quote(name)} appears twice in the graph{(sparse ? " (once sparse)" : string.Empty)}, perhaps with different values; which one a runtime takes is not defined. Keep one of them (re-export the model).", string.Empty, name);
            }

            foreach (var tensor in tensors.OfType<TensorProto>())
            {
                RefuseExternal(tensor, $"{(sparse ? "Sparse initializer" : "Initializer")} {QuantGraph.Quote(name)}", string.Empty);
            }

            producers[name] = Outside;
        }

        foreach (var tensor in graph.Initializer)
        {
            AddInitializer(tensor.Name, sparse: false, tensor);
        }

        // A sparse initializer makes the value its values tensor names (ONNX Runtime densifies it); its tensors may
        // be external too.
        foreach (var sparse in graph.SparseInitializer)
        {
            AddInitializer(sparse.Values?.Name ?? string.Empty, sparse: true, sparse.Values, sparse.Indices);
        }

        var inputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in graph.Input.Where(i => i.Name.Length > 0))
        {
            // An initializer may also be listed as a graph input (a default the caller can override; IR 3 files
            // list every initializer so); a graph input listed twice, or named as another's, is not defined.
            if (!inputs.Add(input.Name))
            {
                throw Twice(input.Name, "a graph input", "another graph input");
            }

            producers.TryAdd(input.Name, Outside);
        }

        for (var index = 0; index < graph.Node.Count; index++)
        {
            var node = graph.Node[index];
            foreach (var attribute in node.Attribute)
            {
                foreach (var tensor in attribute.Tensors.Prepend(attribute.T).OfType<TensorProto>())
                {
                    RefuseExternal(tensor, $"The tensor of attribute {QuantGraph.Quote(attribute.Name)} of node {QuantGraph.Quote(labels[index])}", labels[index]);
                }
            }

            foreach (var output in node.Output.Where(o => o.Length > 0))
            {
                if (!producers.TryAdd(output, index))
                {
                    var other = producers[output];
                    throw Twice(output, $"node {QuantGraph.Quote(labels[index])}", other >= 0 ? $"node {QuantGraph.Quote(labels[other])}" : initializers.Contains(output) ? "an initializer" : "a graph input");
                }
            }
        }

        for (var index = 0; index < graph.Node.Count; index++)
        {
            foreach (var input in graph.Node[index].Input.Where(i => i.Length > 0 && !producers.ContainsKey(i)))
            {
                var label = labels[index];
                throw new OnnxQuantizationException($"Node {QuantGraph.Quote(label)} reads {QuantGraph.Quote(input)}, which no node, graph input or initializer of the graph produces: the file is damaged or incomplete (a subgraph cut out of a larger model?). Quantize the whole model as exported.", label, input);
            }
        }

        foreach (var output in graph.Output.Where(o => !producers.ContainsKey(o.Name)))
        {
            throw new OnnxQuantizationException($"Graph output {QuantGraph.Quote(output.Name)} is produced by no node, graph input or initializer: the file is damaged. Re-export the model.", string.Empty, output.Name);
        }

        RefuseCycles(graph, producers, labels);
        return labels;
    }

    private static void RefuseExternal(TensorProto tensor, string what, string nodeName)
    {
        if (tensor.DataLocation != TensorProto.Types.DataLocation.External && tensor.ExternalData.Count == 0)
        {
            return;
        }

        // The result is bytes without a folder: a reference to a file beside the input would point nowhere, and
        // reading the file named (any path the model chose) is not the quantizer's to do.
        var location = tensor.ExternalData.FirstOrDefault(e => e.Key == "location")?.Value;
        var where = location is null ? string.Empty : $" (location {QuantGraph.Quote(location)})";
        throw new OnnxQuantizationException($"{what} keeps its values in external data{where}, a file beside the model, which the quantizer does not read. Load the model with its external data and save it with every tensor inside (in Python: onnx.save_model(onnx.load(path), out, save_as_external_data=False)), then quantize those bytes.", nodeName, tensor.Name);
    }

    private static OnnxQuantizationException Twice(string value, string first, string second) =>
        new($"Value {QuantGraph.Quote(value)} is produced more than once (by {first} and by {second}); an ONNX graph gives each value one producer, so which one its readers see is not defined. The file is damaged: re-export the model.", string.Empty, value);

    /// <summary>Kahn's algorithm over the nodes; a node left over is on a cycle or after one, and one on it is named.</summary>
    private static void RefuseCycles(GraphProto graph, Dictionary<string, int> producers, string[] labels)
    {
        var nodes = graph.Node;
        var waiting = new int[nodes.Count];
        var readers = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var index = 0; index < nodes.Count; index++)
        {
            foreach (var input in nodes[index].Input.Where(i => i.Length > 0 && producers[i] >= 0))
            {
                waiting[index]++;
                if (!readers.TryGetValue(input, out var list))
                {
                    readers[input] = list = new List<int>();
                }

                list.Add(index);
            }
        }

        var ready = new Queue<int>(Enumerable.Range(0, nodes.Count).Where(i => waiting[i] == 0));
        var done = 0;
        while (ready.TryDequeue(out var index))
        {
            done++;
            foreach (var output in nodes[index].Output.Where(o => o.Length > 0))
            {
                foreach (var reader in readers.GetValueOrDefault(output) ?? new List<int>())
                {
                    if (--waiting[reader] == 0)
                    {
                        ready.Enqueue(reader);
                    }
                }
            }
        }

        if (done == nodes.Count)
        {
            return;
        }

        // Walk back from a node left waiting, through inputs whose producer is also left waiting, until a node comes
        // round again: that node is on a cycle (every left-over node waits for at least one left-over producer).
        var seen = new HashSet<int>();
        var at = Array.FindIndex(waiting, w => w > 0);
        while (seen.Add(at))
        {
            at = nodes[at].Input.Where(i => i.Length > 0).Select(i => producers[i]).First(p => p >= 0 && waiting[p] > 0);
        }

        var label = labels[at];
        throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"Node {QuantGraph.Quote(label)} is on a cycle: what it reads depends on what it produces, so it can never run ({nodes.Count - done} of the {nodes.Count} nodes wait on the cycle). An ONNX graph is acyclic; the file is damaged. Re-export the model."), label, string.Empty);
    }
}
