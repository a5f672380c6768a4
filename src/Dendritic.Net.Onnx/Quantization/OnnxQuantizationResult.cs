using System.Collections.Generic;

namespace Dendritic.Onnx.Quantization;

/// <summary>A quantized model and what was done to it.</summary>
public sealed record OnnxQuantizationResult
{
    /// <summary>The serialised quantized ONNX model (same inputs and outputs as the float model, float32).</summary>
    public required byte[] Model { get; init; }

    /// <summary>
    /// The Gemm, MatMul and Conv nodes that now run on int8 weights, each by its label: the node's name, or
    /// <c>#index (OpType)</c> for a node without one (its index in the float model's node list, from 0). Labels are
    /// unique: a model with two nodes of one name is refused, and an unnamed node whose <c>#index (OpType)</c> is
    /// another node's name is labelled <c>#index (OpType, unnamed)</c> (<c>unnamed 2</c>, <c>3</c>, ... if that is
    /// taken too).
    /// </summary>
    public required IReadOnlyList<string> QuantizedNodes { get; init; }

    /// <summary>
    /// Gemm, MatMul and Conv nodes left in float, each as <c>label: reason</c> (e.g. a MatMul of two activations), with
    /// the labels of <see cref="QuantizedNodes"/>.
    /// </summary>
    public required IReadOnlyList<string> FloatNodes { get; init; }
}
