using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>
/// Computes a node's value on the sample input with TorchSharp, by the ONNX operator's own definition (opset 17,
/// attribute defaults included), for the operators that graph descriptions add with
/// <see cref="OnnxGraphBuilder.AddNode(string, IReadOnlyList{string}, IReadOnlyDictionary{string, object}?)"/>:
/// elementwise arithmetic, activations, softmax, pooling, reductions, the shape operators, Cast, Pad, and the layers'
/// Conv, Gemm, BatchNormalization, LayerNormalization, LSTM and GRU. Each node has one output (a Split's one part, a
/// recurrent operator's Y): a description cannot make a node of more (AddNode gives a node one output), and the only
/// one the exporter makes, a dendrite layer's Split, takes its value from the layer's own run. This serves twice:
/// modules after the node know their input shape, and a description (<see cref="IOnnxExportable"/>, a built-in one)
/// can be checked against the module's own forward (<see cref="DescriptionCheck"/>). Other operators, and forms of
/// these that it does not compute, leave the value unknown and say why.
/// </summary>
internal static class SampleEvaluator
{
    /// <summary>Every operator computed here: its required inputs, its most inputs, and the computation.</summary>
    private static readonly Dictionary<string, (int Required, int Most, Func<SampleNode, Tensor?> Compute)> Operators = new(StringComparer.Ordinal)
    {
        ["Identity"] = (1, 1, n => n[0]),
        ["Add"] = (2, 2, n => n[0] + n[1]),
        ["Sub"] = (2, 2, n => n[0] - n[1]),
        ["Mul"] = (2, 2, n => n[0] * n[1]),
        ["Div"] = (2, 2, n => torch.is_integral(n[0].dtype) ? n[0].div(n[1], RoundingMode.trunc) : n[0] / n[1]),
        ["Pow"] = (2, 2, n => n[0].pow(n[1])),
        ["MatMul"] = (2, 2, n => n[0].matmul(n[1])),
        ["Max"] = (1, int.MaxValue, n => n.All()?.Aggregate(torch.maximum)),
        ["Min"] = (1, int.MaxValue, n => n.All()?.Aggregate(torch.minimum)),
        ["Sum"] = (1, int.MaxValue, n => n.All()?.Aggregate((a, b) => a + b)),
        ["Neg"] = (1, 1, n => n[0].neg()),
        ["Abs"] = (1, 1, n => n[0].abs()),
        ["Exp"] = (1, 1, n => n[0].exp()),
        ["Log"] = (1, 1, n => n[0].log()),
        ["Sqrt"] = (1, 1, n => n[0].sqrt()),
        ["Reciprocal"] = (1, 1, n => n[0].reciprocal()),
        ["Erf"] = (1, 1, n => n[0].erf()),
        ["Relu"] = (1, 1, n => n[0].relu()),
        ["Sigmoid"] = (1, 1, n => n[0].sigmoid()),
        ["Tanh"] = (1, 1, n => n[0].tanh()),
        ["Softplus"] = (1, 1, n => nn.functional.softplus(n[0])),
        ["Softsign"] = (1, 1, n => nn.functional.softsign(n[0])),
        ["HardSwish"] = (1, 1, n => n[0].hardswish()),
        ["LeakyRelu"] = (1, 1, n => n[0].leaky_relu(n.Float("alpha", 0.01))),
        ["Elu"] = (1, 1, n => n[0].elu(n.Float("alpha", 1.0))),
        ["Selu"] = (1, 1, n => n[0].elu(n.Float("alpha", 1.67326319217681884765625)) * n.Float("gamma", 1.05070102214813232421875)),
        ["HardSigmoid"] = (1, 1, n => ((n[0] * n.Float("alpha", 0.2)) + n.Float("beta", 0.5)).clamp(0.0, 1.0)),
        ["Clip"] = (1, 3, Clip),
        ["Softmax"] = (1, 1, n => n[0].softmax(n.Int("axis", -1))),
        ["LogSoftmax"] = (1, 1, n => n[0].log_softmax(n.Int("axis", -1))),
        ["Flatten"] = (1, 1, SampleLayouts.Flatten),
        ["Reshape"] = (2, 2, SampleLayouts.Reshape),
        ["Transpose"] = (1, 1, SampleLayouts.Transpose),
        ["Concat"] = (1, int.MaxValue, SampleLayouts.Concat),
        ["Squeeze"] = (1, 2, SampleLayouts.Squeeze),
        ["Unsqueeze"] = (2, 2, SampleLayouts.Unsqueeze),
        ["Gather"] = (2, 2, SampleLayouts.Gather),
        ["Slice"] = (3, 5, SampleLayouts.Slice),
        ["Shape"] = (1, 1, SampleLayouts.Shape),
        ["MaxPool"] = (1, 1, n => SamplePooling.Pool(n, max: true)),
        ["AveragePool"] = (1, 1, n => SamplePooling.Pool(n, max: false)),
        ["GlobalAveragePool"] = (1, 1, n => SamplePooling.Global(n, max: false)),
        ["GlobalMaxPool"] = (1, 1, n => SamplePooling.Global(n, max: true)),
        ["ReduceMean"] = (1, 1, n => SamplePooling.Reduce(n, n.Ints("axes"), (x, axes, keep) => x.mean(axes, keep))),
        ["ReduceMax"] = (1, 1, n => SamplePooling.Reduce(n, n.Ints("axes"), (x, axes, keep) => x.amax(axes, keep))),
        ["ReduceSum"] = (1, 2, SamplePooling.ReduceSum),
        ["Conv"] = (2, 3, SampleLayers.Conv),
        ["Gemm"] = (2, 3, SampleLayers.Gemm),
        ["BatchNormalization"] = (5, 5, SampleLayers.BatchNormalization),
        ["LayerNormalization"] = (2, 3, SampleLayers.LayerNormalization),
        ["Pad"] = (2, 3, SampleLayouts.Pad),
        ["Cast"] = (1, 1, SampleLayouts.Cast),
        ["Split"] = (1, 2, SampleLayouts.Split),
        ["LSTM"] = (3, 8, SampleRecurrent.Lstm),
        ["GRU"] = (3, 6, SampleRecurrent.Gru),
    };

    /// <summary>
    /// The attributes each operator takes in opset 17 (an operator not listed takes none). ONNX Runtime refuses a file
    /// with any other ("Unrecognized attribute"), so a node that sets one is not computed: ignoring it could let the
    /// check pass on a file that does not load.
    /// </summary>
    private static readonly Dictionary<string, string[]> Attributes = new(StringComparer.Ordinal)
    {
        ["LeakyRelu"] = new[] { "alpha" },
        ["Elu"] = new[] { "alpha" },
        ["Selu"] = new[] { "alpha", "gamma" },
        ["HardSigmoid"] = new[] { "alpha", "beta" },
        ["Softmax"] = new[] { "axis" },
        ["LogSoftmax"] = new[] { "axis" },
        ["Flatten"] = new[] { "axis" },
        ["Reshape"] = new[] { "allowzero" },
        ["Transpose"] = new[] { "perm" },
        ["Concat"] = new[] { "axis" },
        ["Gather"] = new[] { "axis" },
        ["Shape"] = new[] { "end", "start" },
        ["MaxPool"] = new[] { "auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides" },
        ["AveragePool"] = new[] { "auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides" },
        ["ReduceMean"] = new[] { "axes", "keepdims" },
        ["ReduceMax"] = new[] { "axes", "keepdims" },
        ["ReduceSum"] = new[] { "keepdims", "noop_with_empty_axes" },
        ["Conv"] = new[] { "auto_pad", "dilations", "group", "kernel_shape", "pads", "strides" },
        ["Gemm"] = new[] { "alpha", "beta", "transA", "transB" },
        ["BatchNormalization"] = new[] { "epsilon", "momentum", "training_mode" },
        ["LayerNormalization"] = new[] { "axis", "epsilon", "stash_type" },
        ["Pad"] = new[] { "mode" },
        ["Cast"] = new[] { "to" },
        ["Split"] = new[] { "axis" },
        ["LSTM"] = new[] { "activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size", "input_forget", "layout" },
        ["GRU"] = new[] { "activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size", "layout", "linear_before_reset" },
    };

    /// <summary>The operators whose inputs ONNX requires to have one element type (torch would promote instead).</summary>
    /// <remarks>
    /// BatchNormalization's statistics may be of another float type than its input in ONNX, but not in libtorch's kernel,
    /// which the check runs. Pad, LSTM and GRU take an integer input beside their floats and check their types themselves.
    /// </remarks>
    private static readonly HashSet<string> OneType = new(StringComparer.Ordinal) { "Add", "Sub", "Mul", "Div", "MatMul", "Max", "Min", "Sum", "Concat", "Clip", "Conv", "Gemm", "BatchNormalization", "LayerNormalization" };

    /// <summary>
    /// Operators whose axes (or sizes) opset 18 moved from an attribute to an input: an opset-17 file must give them
    /// as the attribute, and ONNX Runtime refuses the input form at load ("input size 2 not in range").
    /// </summary>
    private static readonly HashSet<string> AxesAttributeUntilOpset18 = new(StringComparer.Ordinal) { "ReduceMean", "ReduceMax" };

    /// <summary>The operators computed here, in order, for messages and docs.</summary>
    public static IEnumerable<string> Known => Operators.Keys.Order(StringComparer.Ordinal);

    /// <summary>
    /// The node's value on the sample, or null with <paramref name="reason"/> saying why it is unknown: an operator not
    /// computed here, a form of one that is not (say, asymmetric pads), or an input on which it fails in libtorch (a
    /// description that would fail in an ONNX engine too).
    /// </summary>
    /// <param name="opType">The ONNX operator.</param>
    /// <param name="inputs">Its inputs' sample values, in order; null for an optional input left empty.</param>
    /// <param name="attributes">Its attributes as the builder took them; null for none.</param>
    /// <param name="reason">Why the value is unknown; empty when it is computed.</param>
    public static Tensor? TryEvaluate(string opType, IReadOnlyList<Tensor?> inputs, IReadOnlyDictionary<string, object>? attributes, out string reason)
    {
        reason = string.Empty;
        if (!Operators.TryGetValue(opType, out var op))
        {
            reason = $"the exporter does not compute {opType}";
            return null;
        }

        if (inputs.Count < op.Required || inputs.Count > op.Most || inputs.Take(op.Required).Any(i => i is null))
        {
            var takes = op.Required == op.Most ? $"{op.Required}" : op.Most == int.MaxValue ? $"{op.Required} or more" : $"{op.Required} to {op.Most}";
            reason = (opType, inputs.Count) switch
            {
                (_, 2) when AxesAttributeUntilOpset18.Contains(opType) => $"{opType} has its axes as a second input, the form of opset 18; in opset 17, this exporter's, it takes them as the attribute 'axes' and one input, and ONNX Runtime refuses an opset-17 file with the input form (\"input size 2 not in range\"); give the axes as the attribute",
                ("Pad", 4) => "Pad has a fourth input, the axes of opset 18; in opset 17, this exporter's, it takes pads for every axis and no axes input, which ONNX Runtime refuses in an opset-17 file; give a begin and an end for every axis (0 for those not padded) and leave the axes out",
                _ => string.Create(CultureInfo.InvariantCulture, $"{opType} has {inputs.Count} inputs, or leaves a required one empty; the operator takes {takes}"),
            };
            return null;
        }

        if (Invalid(opType, inputs, attributes) is { } invalid)
        {
            reason = $"{opType}: {invalid}";
            return null;
        }

        var node = new SampleNode(opType, inputs, attributes);
        Tensor? value;
        try
        {
            value = op.Compute(node);
        }
        catch (ExternalException e)
        {
            // libtorch refused the computation: the node does not fit the sample's shapes or types.
            reason = $"{opType} fails ({LibTorchErrors.Reason(e)})";
            return null;
        }
        catch (ArgumentException e)
        {
            // TorchSharp refused an argument before libtorch saw it (an axis or index out of range).
            reason = $"{opType} fails ({e.Message})";
            return null;
        }

        if (node.Refusal is { } refusal || value is null)
        {
            reason = $"{opType}: {node.Refusal ?? "the exporter does not compute this form of it"}";
            return null;
        }

        return value;
    }

    /// <summary>Why ONNX Runtime would refuse the node (an attribute the operator does not take, inputs of two types); null when nothing does.</summary>
    private static string? Invalid(string opType, IReadOnlyList<Tensor?> inputs, IReadOnlyDictionary<string, object>? attributes)
    {
        var takes = Attributes.GetValueOrDefault(opType, Array.Empty<string>());
        foreach (var name in (attributes?.Keys ?? Enumerable.Empty<string>()).Order(StringComparer.Ordinal))
        {
            if (Array.IndexOf(takes, name) >= 0)
            {
                continue;
            }

            var allowed = takes.Length == 0 ? "none" : string.Join(", ", takes);
            return (name, opType) switch
            {
                ("axes", "Squeeze" or "Unsqueeze" or "ReduceSum") => $"its attribute 'axes' is not one that {opType} takes in opset 17: since opset 13 it takes the axes as an input, and ONNX Runtime refuses the file (\"Unrecognized attribute\"); give the axes as an int64 input (AddInitializer)",
                ("split", "Split") => "its attribute 'split' is not one that Split takes in opset 17: since opset 13 it takes the sizes as an input, and ONNX Runtime refuses the file (\"Unrecognized attribute\"); give the sizes as an int64 input (AddInitializer)",
                _ => $"its attribute '{name}' is not one that {opType} takes in opset 17 (it takes {allowed}), and ONNX Runtime refuses the file (\"Unrecognized attribute\")",
            };
        }

        if (OneType.Contains(opType) && inputs.OfType<Tensor>().Select(i => i.dtype).Distinct().ToArray() is { Length: > 1 } types)
        {
            return $"its inputs are of different types ({string.Join(", ", types)}), which {opType} does not take (ONNX does not promote types)";
        }

        return null;
    }

    /// <summary>Clip (opset 11 and later): bounds as optional scalar inputs, min applied first.</summary>
    private static Tensor Clip(SampleNode n)
    {
        var value = n[0];
        if (n.Optional(1) is { } min)
        {
            value = torch.maximum(value, min);
        }

        if (n.Optional(2) is { } max)
        {
            value = torch.minimum(value, max);
        }

        return value;
    }
}
