using System;
using System.Collections.Generic;
using System.Globalization;
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

    /// <summary>
    /// Operators that stay float: those OnnxExporter writes, and common shape and elementwise operators. The quantizer
    /// accepts exactly the operators whose history it knows (<see cref="OperatorHistory"/>), so that list is the one table.
    /// </summary>
    private static readonly HashSet<string> FloatOps = OperatorHistory.Operators.Where(o => !Projections.Contains(o)).ToHashSet(StringComparer.Ordinal);

    private static readonly HashSet<string> QuantizedOps = new(StringComparer.Ordinal)
    {
        "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "MatMulInteger", "ConvInteger", "QLinearConv", "QLinearMatMul",
    };

    /// <summary>Every operator the quantizer accepts: the projections and the float operators.</summary>
    public static IEnumerable<string> KnownOperators => Projections.Concat(FloatOps);

    /// <summary>The projections to quantize; the others of their kind go to <paramref name="floatNodes"/> with a reason.</summary>
    /// <exception cref="OnnxQuantizationException">A node is unknown, already quantized, or the model is not float32.</exception>
    public static List<Projection> Find(QuantGraph graph, List<string> floatNodes)
    {
        foreach (var input in graph.Graph.Input.Where(i => graph.Initializer(i.Name) is null))
        {
            var type = input.Type?.TensorType?.ElemType ?? (int)TensorProto.Types.DataType.Float;
            if (type != (int)TensorProto.Types.DataType.Float)
            {
                throw new OnnxQuantizationException($"Graph input {QuantGraph.Quote(input.Name)} has ONNX element type {type}; quantization needs a float32 model (export with a float32 sample input; a model that takes int64 token indices is not quantized).", string.Empty, input.Name);
            }
        }

        var found = new List<Projection>();
        for (var index = 0; index < graph.Graph.Node.Count; index++)
        {
            var node = graph.Graph.Node[index];
            var label = graph.Label(index);
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
            throw new OnnxQuantizationException($"Node {QuantGraph.Quote(label)} is {UntrustedText.Name(node.Domain)}.{UntrustedText.Name(node.OpType)}, outside the default ONNX domain; the quantizer only knows default-domain operators. Quantize the float model as exported by OnnxExporter.", label, string.Empty);
        }

        if (QuantizedOps.Contains(node.OpType))
        {
            throw new OnnxQuantizationException($"Node {QuantGraph.Quote(label)} ({node.OpType}) is already quantized; quantize the float model, once.", label, string.Empty);
        }

        if (!Projections.Contains(node.OpType) && !FloatOps.Contains(node.OpType))
        {
            throw new OnnxQuantizationException($"Node {QuantGraph.Quote(label)} has operator {UntrustedText.Name(node.OpType)}, which the quantizer does not support: it quantizes Gemm, MatMul and Conv and keeps only known operators ({string.Join(", ", FloatOps.Order(StringComparer.Ordinal))}) in float. Remove or replace that node before quantizing.", label, string.Empty);
        }
    }

    private static Projection? TryProjection(QuantGraph graph, NodeProto node, string label, out string reason)
    {
        CheckForm(node, label);
        var weight = graph.Initializer(node.Input[1]);
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
                RequireRank(node, label, weight, weight.Dims.Count == 2, "a 2-D B");
                if (Int(node, label, "transA", 0) != 0 || Float(node, label, "alpha", 1) != 1 || Float(node, label, "beta", 1) != 1)
                {
                    reason = "Gemm with transA, alpha or beta other than the defaults is not quantized; it stays float";
                    return null;
                }

                axis = Int(node, label, "transB", 0) == 1 ? 0 : 1;
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
                RequireRank(node, label, weight, weight.Dims.Count >= 3, "a weight of rank 3 or more ([M, C/group, k1, ...])");
                axis = 0;
                break;
        }

        if (hasBiasInput && (bias is null || !QuantGraph.IsFloat(bias) || bias.Dims.Count != 1 || bias.Dims[0] != weight.Dims[axis]))
        {
            reason = "its bias is not a 1-D float32 constant with one value per output channel; it stays float";
            return null;
        }

        FloatConstantCheck.Validate(weight, label);
        if (bias is not null)
        {
            FloatConstantCheck.Validate(bias, label);
        }

        reason = string.Empty;
        return new Projection(node, label, weight, axis, bias);
    }

    /// <summary>
    /// The inputs, outputs and attributes ONNX defines for Gemm, MatMul and Conv: the writers read input 0, the
    /// weight, the bias and output 0 by position, so a node outside that form (invalid ONNX, which ONNX Runtime refuses)
    /// was turned into a valid model that computes something else (a third MatMul input added as a bias, a fourth
    /// Gemm input dropped, transB = 2, which ONNX Runtime transposes, laid out untransposed) or failed with an
    /// ArgumentOutOfRangeException (no output).
    /// </summary>
    private static void CheckForm(NodeProto node, string label)
    {
        var maxInputs = node.OpType == "MatMul" ? 2 : 3;
        if (node.Input.Count < 2 || node.Input.Count > maxInputs || node.Output.Count != 1)
        {
            throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"Node {QuantGraph.Quote(label)} ({node.OpType}) has {Count(node.Input.Count, "input")} and {Count(node.Output.Count, "output")}; ONNX's {node.OpType} takes {(maxInputs == 2 ? "2 inputs" : "2 or 3 inputs")} and makes 1 output. The file is damaged: re-export the model."), label, string.Empty);
        }

        var unnamed = node.Input[0].Length == 0 ? "input 0 (the activation)" : node.Input[1].Length == 0 ? "input 1 (the weight)" : node.Output[0].Length == 0 ? "output 0" : null;
        if (unnamed is not null)
        {
            throw new OnnxQuantizationException($"Node {QuantGraph.Quote(label)} ({node.OpType}) has no name for {unnamed}, which ONNX's {node.OpType} requires. The file is damaged: re-export the model.", label, string.Empty);
        }

        if (node.OpType == "Gemm")
        {
            foreach (var flag in new[] { "transA", "transB" })
            {
                if (Int(node, label, flag, 0) is not (0 or 1) and var value)
                {
                    throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"Node {QuantGraph.Quote(label)} (Gemm) has {flag} = {value}; ONNX defines 0 and 1, and ONNX Runtime reads any other value as 1. Set it to 0 or 1 in the file (re-export the model)."), label, string.Empty);
                }
            }
        }
    }

    private static string Count(int count, string noun) => string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");

    private static void RequireRank(NodeProto node, string label, TensorProto weight, bool valid, string expected)
    {
        if (!valid)
        {
            throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"Node {QuantGraph.Quote(label)} ({node.OpType}) has weight {QuantGraph.Quote(weight.Name)} of rank {weight.Dims.Count} (shape {QuantGraph.Shape(weight.Dims)}); ONNX's {node.OpType} takes {expected}. The file is damaged: re-export the model."), label, weight.Name);
        }
    }

    private static long Int(NodeProto node, string label, string name, long fallback) =>
        Attribute(node, label, name, AttributeProto.Types.AttributeType.Int) is { } a ? a.I : fallback;

    private static float Float(NodeProto node, string label, string name, float fallback) =>
        Attribute(node, label, name, AttributeProto.Types.AttributeType.Float) is { } a ? a.F : fallback;

    /// <summary>
    /// The node's attribute of that name, checked to be of the expected type (or of none, as old writers left it):
    /// reading the int field of a FLOAT transB would take 1.0 for 0. Null when the node has none.
    /// </summary>
    private static AttributeProto? Attribute(NodeProto node, string label, string name, AttributeProto.Types.AttributeType type)
    {
        AttributeProto? found = null;
        foreach (var attribute in node.Attribute)
        {
            if (attribute.Name != name)
            {
                continue;
            }

            if (found is not null)
            {
                throw new OnnxQuantizationException($"Node {QuantGraph.Quote(label)} ({node.OpType}) has attribute {name} twice; which one a runtime takes is not defined. The file is damaged: re-export the model.", label, string.Empty);
            }

            if (attribute.Type != type && attribute.Type != AttributeProto.Types.AttributeType.Undefined)
            {
                throw new OnnxQuantizationException($"Node {QuantGraph.Quote(label)} ({node.OpType}) has attribute {name} of type {attribute.Type}; ONNX's {node.OpType} takes {type}. The file is damaged: re-export the model.", label, string.Empty);
            }

            found = attribute;
        }

        return found;
    }
}
