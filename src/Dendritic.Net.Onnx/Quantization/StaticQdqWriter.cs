using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
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

        var written = new Written();
        for (var i = 0; i < projections.Count; i++)
        {
            head.AddRange(QuantizeConstants(graph, projections[i], inputScales[i], weightLimit, written));
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

    /// <summary>
    /// The int8 weight and int32 bias behind DequantizeLinear nodes; the projection now reads those. A weight that
    /// several projections share is written once for each set of scales their biases need (once, unless a bias raises a
    /// scale), and projections alike in weight, bias and input scale share all of it: written once per projection, a
    /// 256 KiB weight shared by 400 Gemm nodes of a few bytes each made a 26 MB model from a 272 KB file.
    /// </summary>
    private static List<NodeProto> QuantizeConstants(QuantGraph graph, Projection projection, float inputScale, int weightLimit, Written written)
    {
        var bias = projection.Bias;
        var nodes = new List<NodeProto>();
        var alike = (projection.Weight.Name, projection.ChannelAxis, bias?.Name, bias is null ? 0f : inputScale);
        if (!written.Projections.TryGetValue(alike, out var restored))
        {
            // The weight's own scales, once per weight and axis: reading a shared weight once per projection would
            // cost its size each time.
            var weightKey = (projection.Weight.Name, projection.ChannelAxis);
            if (!written.Scales.TryGetValue(weightKey, out var own))
            {
                var scales = WeightQuantizer.Scales(QuantGraph.Floats(projection.Weight), projection.Weight.Dims.ToArray(), projection.ChannelAxis, weightLimit);
                written.Scales[weightKey] = own = (scales, Key(scales));
            }

            if (bias is null)
            {
                restored = (WeightCopy(graph, projection, own.Scales, own.Key, weightLimit, written, nodes), null);
            }
            else
            {
                graph.Reserve(projection, 12 * projection.Channels);
                var biasValues = QuantGraph.Floats(bias);
                var scales = (float[])own.Scales.Clone();
                var biasQ = WeightQuantizer.QuantizeBias(biasValues, inputScale, scales);
                CheckBiasScales(projection, biasValues, inputScale, scales);
                var weight = WeightCopy(graph, projection, scales, Key(scales), weightLimit, written, nodes);
                restored = (weight, BiasConstants(graph, projection, biasQ, scales, inputScale, nodes));
            }

            written.Projections[alike] = restored;
        }

        projection.Node.Input[1] = restored.Weight;
        if (restored.Bias is not null)
        {
            projection.Node.Input[2] = restored.Bias;
        }

        return nodes;
    }

    /// <summary>The dequantized int8 weight at these scales: written (with its DequantizeLinear) the first time only.</summary>
    private static string WeightCopy(QuantGraph graph, Projection projection, float[] scales, string scalesKey, int weightLimit, Written written, List<NodeProto> nodes)
    {
        var weight = projection.Weight;
        var key = (weight.Name, projection.ChannelAxis, scalesKey);
        if (written.Weights.TryGetValue(key, out var restored))
        {
            return restored;
        }

        var dims = weight.Dims.ToArray();
        var channels = projection.Channels;
        graph.Reserve(projection, dims.Aggregate(1L, (a, d) => a * d) + (5 * channels) + (8L * dims.Length));
        var q = graph.AddInt8s(weight.Name + "_quantized", WeightQuantizer.Quantize(QuantGraph.Floats(weight), dims, projection.ChannelAxis, scales, weightLimit), dims);
        var scale = graph.AddFloats(weight.Name + "_scale", scales, channels);
        var zero = graph.AddInt8s(weight.Name + "_zero_point", new sbyte[channels], channels);
        restored = graph.Unique(weight.Name + "_dequantized");
        nodes.Add(graph.Node("DequantizeLinear", new[] { q, scale, zero }, new[] { restored }, ("axis", projection.ChannelAxis)));
        written.Weights[key] = restored;
        return restored;
    }

    /// <summary>The dequantized int32 bias at scale input · weight (its DequantizeLinear added to <paramref name="nodes"/>).</summary>
    private static string BiasConstants(QuantGraph graph, Projection projection, int[] biasQ, float[] weightScales, float inputScale, List<NodeProto> nodes)
    {
        var biasName = projection.Bias!.Name;
        var channels = projection.Channels;
        var biasScales = weightScales.Select(s => s * inputScale).ToArray();
        var q = graph.AddInt32s(biasName + "_quantized", biasQ, channels);
        var scale = graph.AddFloats(biasName + "_scale", biasScales, channels);
        var zero = graph.AddInt32s(biasName + "_zero_point", new int[channels], channels);
        var restored = graph.Unique(biasName + "_dequantized");
        nodes.Add(graph.Node("DequantizeLinear", new[] { q, scale, zero }, new[] { restored }, ("axis", 0L)));
        return restored;
    }

    /// <summary>A key for a set of scales: the SHA-256 of their bytes (one per copy of a weight; collisions do not occur in practice).</summary>
    private static string Key(float[] scales) => Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(scales.AsSpan())));

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

    /// <summary>What the writer has already added, so that shared weights and biases are written once.</summary>
    private sealed class Written
    {
        /// <summary>Each weight's own scales (before any bias raises one) and their key, by weight and channel axis.</summary>
        public Dictionary<(string Weight, int Axis), (float[] Scales, string Key)> Scales { get; } = new();

        /// <summary>The dequantized int8 copies of each weight, by weight, axis and the key of their scales.</summary>
        public Dictionary<(string Weight, int Axis, string Scales), string> Weights { get; } = new();

        /// <summary>What a projection reads, by weight, axis, bias and (with a bias) input scale.</summary>
        public Dictionary<(string Weight, int Axis, string? Bias, float InputScale), (string Weight, string? Bias)> Projections { get; } = new();
    }
}
