using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic.Onnx.Proto;

namespace Dendritic.Onnx.Quantization;

/// <summary>
/// Checks that every node of a model is one the quantizer knows, and finds the projections (Gemm, MatMul, Conv with a
/// constant weight) to quantize. Everything else stays float: the dendrite cascade, activations, normalisation,
/// pooling, shape operators.
/// </summary>
internal static class ProjectionFinder
{
    private static readonly HashSet<string> Projections = new(StringComparer.Ordinal) { "Gemm", "MatMul", "Conv" };

    /// <summary>Operators that stay float: those OnnxExporter writes, and common shape and elementwise operators.</summary>
    private static readonly HashSet<string> FloatOps = new(StringComparer.Ordinal)
    {
        "Abs", "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "Div", "Dropout", "Elu",
        "Erf", "Exp", "Expand", "Flatten", "Gather", "Gelu", "GlobalAveragePool", "GlobalMaxPool", "GRU", "HardSigmoid", "HardSwish",
        "Identity", "InstanceNormalization", "LayerNormalization", "LeakyRelu", "Log", "LogSoftmax", "LSTM", "Max", "MaxPool", "Min",
        "Mul", "Neg", "Pad", "Pow", "PRelu", "ReduceMean", "ReduceSum", "Relu", "Reshape", "Shape", "Sigmoid", "Slice",
        "Softmax", "Softplus", "Split", "Sqrt", "Squeeze", "Sub", "Tanh", "Transpose", "Unsqueeze",
    };

    private static readonly HashSet<string> QuantizedOps = new(StringComparer.Ordinal)
    {
        "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "MatMulInteger", "ConvInteger", "QLinearConv", "QLinearMatMul",
    };

    /// <summary>The projections to quantize; the others of their kind go to <paramref name="floatNodes"/> with a reason.</summary>
    /// <exception cref="OnnxQuantizationException">A node is unknown, already quantized, or the model is not float32.</exception>
    public static List<Projection> Find(QuantGraph graph, List<string> floatNodes)
    {
        foreach (var input in graph.Graph.Input.Where(i => graph.Initializer(i.Name) is null))
        {
            var type = input.Type?.TensorType?.ElemType ?? (int)TensorProto.Types.DataType.Float;
            if (type != (int)TensorProto.Types.DataType.Float)
            {
                throw new OnnxQuantizationException($"Graph input '{input.Name}' has ONNX element type {type}; quantization needs a float32 model (export with a float32 sample input; a model that takes int64 token indices is not quantized).", string.Empty, input.Name);
            }
        }

        var found = new List<Projection>();
        for (var index = 0; index < graph.Graph.Node.Count; index++)
        {
            var node = graph.Graph.Node[index];
            var label = QuantGraph.Label(node, index);
            Check(node, label);
            if (!Projections.Contains(node.OpType))
            {
                continue;
            }

            var projection = TryProjection(graph, node, label, out var reason);
            if (projection is null)
            {
                floatNodes.Add($"{label}: {reason}");
            }
            else
            {
                found.Add(projection);
            }
        }

        return found;
    }

    private static void Check(NodeProto node, string label)
    {
        if (node.Domain.Length > 0 && node.Domain != "ai.onnx")
        {
            throw new OnnxQuantizationException($"Node '{label}' is {node.Domain}.{node.OpType}, outside the default ONNX domain; the quantizer only knows default-domain operators. Quantize the float model as exported by OnnxExporter.", label, string.Empty);
        }

        if (QuantizedOps.Contains(node.OpType))
        {
            throw new OnnxQuantizationException($"Node '{label}' ({node.OpType}) is already quantized; quantize the float model, once.", label, string.Empty);
        }

        if (!Projections.Contains(node.OpType) && !FloatOps.Contains(node.OpType))
        {
            throw new OnnxQuantizationException($"Node '{label}' has operator {node.OpType}, which the quantizer does not support: it quantizes Gemm, MatMul and Conv and keeps only known operators ({string.Join(", ", FloatOps.Order(StringComparer.Ordinal))}) in float. Remove or replace that node before quantizing.", label, string.Empty);
        }
    }

    private static Projection? TryProjection(QuantGraph graph, NodeProto node, string label, out string reason)
    {
        var weightIndex = 1;
        var weight = node.Input.Count > weightIndex ? graph.Initializer(node.Input[weightIndex]) : null;
        if (weight is null || !QuantGraph.IsFloat(weight))
        {
            reason = "its weight is not a float32 constant (e.g. a product of two activations); it stays float";
            return null;
        }

        var bias = node.Input.Count > 2 && node.Input[2].Length > 0 ? graph.Initializer(node.Input[2]) : null;
        var hasBiasInput = node.Input.Count > 2 && node.Input[2].Length > 0;
        int axis;
        switch (node.OpType)
        {
            case "Gemm":
                if (Int(node, "transA", 0) != 0 || Float(node, "alpha", 1) != 1 || Float(node, "beta", 1) != 1 || weight.Dims.Count != 2)
                {
                    reason = "Gemm with transA, alpha or beta other than the defaults is not quantized; it stays float";
                    return null;
                }

                axis = Int(node, "transB", 0) == 1 ? 0 : 1;
                break;
            case "MatMul":
                if (weight.Dims.Count != 2)
                {
                    reason = $"MatMul with a rank-{weight.Dims.Count} weight is not quantized (rank 2 only); it stays float";
                    return null;
                }

                axis = 1;
                break;
            default:
                if (weight.Dims.Count < 3)
                {
                    reason = "Conv weight of rank below 3; it stays float";
                    return null;
                }

                axis = 0;
                break;
        }

        if (hasBiasInput && (bias is null || !QuantGraph.IsFloat(bias) || bias.Dims.Count != 1 || bias.Dims[0] != weight.Dims[axis]))
        {
            reason = "its bias is not a 1-D float32 constant with one value per output channel; it stays float";
            return null;
        }

        foreach (var constant in new[] { weight, bias })
        {
            if (constant is not null && (constant.Dims.Any(d => d < 1) || QuantGraph.Floats(constant).LongLength != constant.Dims.Aggregate(1L, (a, d) => a * d)))
            {
                throw new OnnxQuantizationException($"Initializer '{constant.Name}' of node '{label}' has shape [{string.Join(", ", constant.Dims)}] but does not hold that many float32 values: the file is damaged.", label, constant.Name);
            }
        }

        reason = string.Empty;
        return new Projection(node, label, weight, axis, bias);
    }

    private static long Int(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    private static float Float(NodeProto node, string name, float fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.F : fallback;
}
