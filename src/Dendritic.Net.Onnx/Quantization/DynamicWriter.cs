using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic.Onnx.Proto;

namespace Dendritic.Onnx.Quantization;

/// <summary>
/// Rewrites projections for dynamic quantization: the input is quantized to uint8 at run time
/// (DynamicQuantizeLinear: range of the batch itself), the weight is int8 per output channel, the product runs as
/// MatMulInteger/ConvInteger into int32 and is scaled back to float (Cast, Mul), then the float bias is added.
/// ONNX Runtime fuses the MatMul chain into DynamicQuantizeMatMul.
/// </summary>
internal static class DynamicWriter
{
    public static void Rewrite(QuantGraph graph, List<Projection> projections, int weightLimit)
    {
        var replaced = new Dictionary<NodeProto, List<NodeProto>>(ReferenceEqualityComparer.Instance);
        var quantizedInputs = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var written = new Written();
        foreach (var projection in projections)
        {
            var nodes = new List<NodeProto>();
            if (!quantizedInputs.TryGetValue(projection.Input, out var xq))
            {
                // One run-time quantization per activation, even when several projections read it.
                xq = new[] { graph.Unique(projection.Input + "_quantized"), graph.Unique(projection.Input + "_scale"), graph.Unique(projection.Input + "_zero_point") };
                nodes.Add(graph.Node("DynamicQuantizeLinear", new[] { projection.Input }, xq));
                quantizedInputs[projection.Input] = xq;
            }

            nodes.AddRange(projection.Node.OpType == "Conv" ? Conv(graph, projection, xq, weightLimit, written) : MatMul(graph, projection, xq, weightLimit, written));
            replaced[projection.Node] = nodes;
        }

        var ordered = graph.Graph.Node.SelectMany(n => replaced.TryGetValue(n, out var nodes) ? nodes : new List<NodeProto> { n }).ToList();
        graph.Graph.Node.Clear();
        graph.Graph.Node.AddRange(ordered);
        graph.RemoveUnusedInitializers(projections.SelectMany(p => new[] { p.Weight, p.Bias }).OfType<TensorProto>().Select(t => t.Name));
    }

    /// <summary>Gemm or MatMul: y = (MatMulInteger(xq, Wq) as float) · (x_scale · w_scale) [+ bias]; W laid out [in, out].</summary>
    private static IEnumerable<NodeProto> MatMul(QuantGraph graph, Projection projection, string[] xq, int weightLimit, Written written)
    {
        var key = (projection.Weight.Name, projection.ChannelAxis, false);
        if (!written.Weights.TryGetValue(key, out var constants))
        {
            var dims = projection.Weight.Dims.ToArray();
            graph.Reserve(projection, projection.Weight.Dims.Aggregate(1L, (a, d) => a * d) + (4 * projection.Channels));
            var values = QuantGraph.Floats(projection.Weight);
            if (projection.ChannelAxis == 0)
            {
                values = WeightQuantizer.Transpose(values, dims[0], dims[1]);
                dims = new[] { dims[1], dims[0] };
            }

            var scales = WeightQuantizer.Scales(values, dims, 1, weightLimit);
            var weight = graph.AddInt8s(projection.Weight.Name + "_quantized", WeightQuantizer.Quantize(values, dims, 1, scales, weightLimit), dims);
            written.Weights[key] = constants = (weight, graph.AddFloats(projection.Weight.Name + "_scale", scales, dims[1]));
        }

        return Rescale(graph, projection, graph.Node("MatMulInteger", new[] { xq[0], constants.Weight, xq[2] }, new[] { graph.Unique(projection.Output + "_int32") }), xq[1], constants.Scale, 1, written);
    }

    /// <summary>Conv: y = (ConvInteger(xq, Wq) as float) · (x_scale · w_scale[c]) [+ bias[c]], scales shaped [C, 1, ...].</summary>
    private static IEnumerable<NodeProto> Conv(QuantGraph graph, Projection projection, string[] xq, int weightLimit, Written written)
    {
        var dims = projection.Weight.Dims.ToArray();
        var key = (projection.Weight.Name, 0, true);
        if (!written.Weights.TryGetValue(key, out var constants))
        {
            // The int8 weight and its dims, the scales and their broadcast dims (as many as the weight's rank).
            graph.Reserve(projection, dims.Aggregate(1L, (a, d) => a * d) + (4 * projection.Channels) + (16L * dims.Length));
            var values = QuantGraph.Floats(projection.Weight);
            var scales = WeightQuantizer.Scales(values, dims, 0, weightLimit);
            var weight = graph.AddInt8s(projection.Weight.Name + "_quantized", WeightQuantizer.Quantize(values, dims, 0, scales, weightLimit), dims);
            var broadcast = new[] { dims[0] }.Concat(Enumerable.Repeat(1L, dims.Length - 2)).ToArray();
            written.Weights[key] = constants = (weight, graph.AddFloats(projection.Weight.Name + "_scale", scales, broadcast));
        }

        var conv = graph.Node("ConvInteger", new[] { xq[0], constants.Weight, xq[2] }, new[] { graph.Unique(projection.Output + "_int32") });
        conv.Attribute.AddRange(projection.Node.Attribute.Select(a => a.Clone()));
        return Rescale(graph, projection, conv, xq[1], constants.Scale, dims.Length - 1, written);
    }

    private static IEnumerable<NodeProto> Rescale(QuantGraph graph, Projection projection, NodeProto integer, string inputScale, string weightScale, int biasRank, Written written)
    {
        yield return integer;
        var asFloat = graph.Unique(projection.Output + "_float");
        yield return graph.Node("Cast", integer.Output, new[] { asFloat }, ("to", (long)TensorProto.Types.DataType.Float));
        var combined = graph.Unique(projection.Output + "_rescale");
        yield return graph.Node("Mul", new[] { inputScale, weightScale }, new[] { combined });
        if (projection.Bias is null)
        {
            yield return graph.Node("Mul", new[] { asFloat, combined }, new[] { projection.Output });
            yield break;
        }

        var scaled = graph.Unique(projection.Output + "_scaled");
        yield return graph.Node("Mul", new[] { asFloat, combined }, new[] { scaled });
        if (!written.Biases.TryGetValue((projection.Bias.Name, biasRank), out var bias))
        {
            // A Conv's bias broadcast has as many dims as its weight, which a hostile file makes by the million.
            graph.Reserve(projection, (4 * projection.Channels) + (8L * biasRank));
            var dims = new[] { projection.Channels }.Concat(Enumerable.Repeat(1L, Math.Max(0, biasRank - 1))).ToArray();
            written.Biases[(projection.Bias.Name, biasRank)] = bias = graph.AddFloats(projection.Bias.Name + "_broadcast", QuantGraph.Floats(projection.Bias), dims);
        }

        yield return graph.Node("Add", new[] { scaled, bias }, new[] { projection.Output });
    }

    /// <summary>
    /// The constants already written, by the float tensor they come from: a weight or bias that several projections
    /// share is written once. Written once per projection, a 256 KiB weight shared by 400 Gemm nodes of a few bytes
    /// each made a 26 MB model from a 272 KB file, without bound in the number of nodes.
    /// </summary>
    private sealed class Written
    {
        public Dictionary<(string Name, int Axis, bool Conv), (string Weight, string Scale)> Weights { get; } = new();

        public Dictionary<(string Name, int Rank), string> Biases { get; } = new();
    }
}
