using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dendritic.Onnx.Proto;

namespace Dendritic.Onnx.Quantization;

/// <summary>
/// Rewrites projections in QDQ form: each calibrated activation (every projection's input, a convolution's output)
/// passes through QuantizeLinear/DequantizeLinear (uint8, per-tensor), each weight is int8 per output channel behind a
/// DequantizeLinear, and each bias is int32 at scale input·weight. ONNX Runtime's CPU graph optimiser folds these
/// groups into integer kernels (QGemm and MatMulIntegerToFloat with float outputs, QLinearConv); what follows runs in float.
/// </summary>
internal static class StaticQdqWriter
{
    public static void Rewrite(QuantGraph graph, List<Projection> projections, Dictionary<string, (float Scale, byte ZeroPoint)> ranges, int weightLimit)
    {
        var graphNodes = graph.Graph.Node;
        var inputScales = projections.Select(p => ranges[p.Input].Scale).ToList();
        var head = new List<NodeProto>();
        var after = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        var dequantized = new Dictionary<string, string>(StringComparer.Ordinal);

        // One Q/DQ pair per activation, placed right after the node that makes it (or first, for a graph input).
        var producers = graphNodes.SelectMany(n => n.Output).ToHashSet(StringComparer.Ordinal);
        foreach (var (value, (scale, zeroPoint)) in ranges)
        {
            var scaleName = graph.AddFloats(value + "_scale", new[] { scale });
            var zeroName = graph.AddUInt8(value + "_zero_point", zeroPoint);
            var quantized = graph.Unique(value + "_quantized");
            var restored = graph.Unique(value + "_dequantized");
            var pair = new[]
            {
                graph.Node("QuantizeLinear", new[] { value, scaleName, zeroName }, new[] { quantized }),
                graph.Node("DequantizeLinear", new[] { quantized, scaleName, zeroName }, new[] { restored }),
            };
            if (producers.Contains(value))
            {
                after[value] = pair.ToList();
            }
            else
            {
                head.AddRange(pair);
            }

            dequantized[value] = restored;
        }

        // Every reader of a calibrated activation reads its dequantized copy (graph outputs keep the float value).
        foreach (var node in graphNodes)
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (dequantized.TryGetValue(node.Input[i], out var restored))
                {
                    node.Input[i] = restored;
                }
            }
        }

        for (var i = 0; i < projections.Count; i++)
        {
            head.AddRange(QuantizeConstants(graph, projections[i], inputScales[i], weightLimit));
        }

        var ordered = new List<NodeProto>(head);
        foreach (var node in graphNodes)
        {
            ordered.Add(node);
            foreach (var output in node.Output)
            {
                if (after.TryGetValue(output, out var pair))
                {
                    ordered.AddRange(pair);
                }
            }
        }

        graphNodes.Clear();
        graphNodes.AddRange(ordered);
        graph.RemoveUnusedInitializers(projections.SelectMany(p => new[] { p.Weight, p.Bias }).OfType<TensorProto>().Select(t => t.Name));
    }

    /// <summary>The int8 weight and int32 bias behind DequantizeLinear nodes; the projection now reads those.</summary>
    private static IEnumerable<NodeProto> QuantizeConstants(QuantGraph graph, Projection projection, float inputScale, int weightLimit)
    {
        var weight = projection.Weight;
        var dims = weight.Dims.ToArray();
        var values = QuantGraph.Floats(weight);
        var scales = WeightQuantizer.Scales(values, dims, projection.ChannelAxis, weightLimit);
        int[]? bias = null;
        if (projection.Bias is not null)
        {
            var biasValues = QuantGraph.Floats(projection.Bias);
            bias = WeightQuantizer.QuantizeBias(biasValues, inputScale, scales);
            CheckBiasScales(projection, biasValues, inputScale, scales);
        }

        var node = projection.Node;
        var channels = projection.Channels;
        var q = graph.AddInt8s(weight.Name + "_quantized", WeightQuantizer.Quantize(values, dims, projection.ChannelAxis, scales, weightLimit), dims);
        var scale = graph.AddFloats(weight.Name + "_scale", scales, channels);
        var zero = graph.AddInt8s(weight.Name + "_zero_point", new sbyte[channels], channels);
        var restored = graph.Unique(weight.Name + "_dequantized");
        yield return graph.Node("DequantizeLinear", new[] { q, scale, zero }, new[] { restored }, ("axis", projection.ChannelAxis));
        node.Input[1] = restored;
        if (bias is null)
        {
            yield break;
        }

        var biasName = projection.Bias!.Name;
        var biasScales = scales.Select(s => s * inputScale).ToArray();
        var biasQ = graph.AddInt32s(biasName + "_quantized", bias, channels);
        var biasScale = graph.AddFloats(biasName + "_scale", biasScales, channels);
        var biasZero = graph.AddInt32s(biasName + "_zero_point", new int[channels], channels);
        var biasRestored = graph.Unique(biasName + "_dequantized");
        yield return graph.Node("DequantizeLinear", new[] { biasQ, biasScale, biasZero }, new[] { biasRestored }, ("axis", 0L));
        node.Input[2] = biasRestored;
    }

    /// <summary>
    /// QuantizeBias raises a channel's weight scale until its bias fits in int32; a bias far beyond the calibrated
    /// input range (3e38 against inputs within ±1e-38) raised it to infinity, which zeroed the channel's weights and
    /// made its outputs NaN. The bias scale input · weight must also stay a positive finite float32.
    /// </summary>
    private static void CheckBiasScales(Projection projection, float[] bias, float inputScale, float[] weightScales)
    {
        for (var c = 0; c < bias.Length; c++)
        {
            var biasScale = weightScales[c] * inputScale;
            if (float.IsFinite(weightScales[c]) && float.IsFinite(biasScale) && (biasScale > 0 || bias[c] == 0))
            {
                continue;
            }

            var name = projection.Bias!.Name;
            throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"Bias {QuantGraph.Quote(name)} of node {QuantGraph.Quote(projection.Label)} holds {bias[c]} for output channel {c}, which no int32 bias represents at the calibrated scale of its input {QuantGraph.Quote(projection.Input)} ({inputScale}) times a float32 weight scale (the weight scale needed is {weightScales[c]}, the bias scale {biasScale}). Calibrate on inputs whose range is that of the model's real inputs, or quantize with QuantizeDynamic, which keeps biases float."), projection.Label, name);
        }
    }
}
