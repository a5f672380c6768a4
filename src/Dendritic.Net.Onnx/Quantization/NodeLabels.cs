using System;
using System.Collections.Generic;
using System.Globalization;
using Dendritic.Onnx.Proto;

namespace Dendritic.Onnx.Quantization;

/// <summary>
/// How the quantizer names each node of a graph in its results (<see cref="OnnxQuantizationResult.QuantizedNodes"/>,
/// <see cref="OnnxQuantizationResult.FloatNodes"/>) and in <see cref="OnnxQuantizationException.NodeName"/>: by its
/// name, or, for a node without one (ONNX allows that), by <c>#index (OpType)</c>. Every label names one node: two nodes
/// of one name are refused (ONNX Runtime refuses the file too), and an unnamed node whose <c>#index (OpType)</c> is
/// another node's real name is labelled <c>#index (OpType, unnamed)</c> instead (<c>unnamed 2</c>, <c>3</c>, ... if
/// that is taken too). Before, a result could list one name twice, or an unnamed node under a real node's name, and the
/// caller could not tell which node was meant.
/// </summary>
internal static class NodeLabels
{
    /// <summary>The label of every node of <paramref name="graph"/>, by index.</summary>
    /// <exception cref="OnnxQuantizationException">Two nodes have the same non-empty name; names both and the name.</exception>
    public static string[] Of(GraphProto graph)
    {
        var nodes = graph.Node;
        var named = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var index = 0; index < nodes.Count; index++)
        {
            var name = nodes[index].Name;
            if (name.Length > 0 && !named.TryAdd(name, index))
            {
                var first = named[name];
                throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"Node name {QuantGraph.Quote(name)} is given to two nodes, at indices {first} ({UntrustedText.Name(nodes[first].OpType)}) and {index} ({UntrustedText.Name(nodes[index].OpType)}) of the graph; an ONNX graph gives each named node a name of its own (ONNX Runtime refuses the file: \"two nodes with same node name\"), and the quantizer's results tell nodes apart by name. Give each node its own name, or none (re-export the model)."), name, string.Empty);
            }
        }

        var labels = new string[nodes.Count];
        for (var index = 0; index < nodes.Count; index++)
        {
            var node = nodes[index];
            labels[index] = node.Name.Length > 0 ? node.Name : Unnamed(index, node.OpType, named);
        }

        return labels;
    }

    /// <summary>
    /// The first of <c>#index (OpType)</c>, <c>#index (OpType, unnamed)</c>, <c>#index (OpType, unnamed 2)</c>, ... that
    /// no node has as its name. Two unnamed nodes never share a label: each starts with <c>#</c>, its own index and
    /// <c>" ("</c>, so the index is read back whole. A name blocks at most one label of one node, so the search over
    /// all unnamed nodes together takes at most as many steps as there are nodes.
    /// </summary>
    private static string Unnamed(int index, string opType, Dictionary<string, int> named)
    {
        var label = string.Create(CultureInfo.InvariantCulture, $"#{index} ({opType})");
        for (var attempt = 1; named.ContainsKey(label); attempt++)
        {
            label = attempt == 1
                ? string.Create(CultureInfo.InvariantCulture, $"#{index} ({opType}, unnamed)")
                : string.Create(CultureInfo.InvariantCulture, $"#{index} ({opType}, unnamed {attempt})");
        }

        return label;
    }
}
