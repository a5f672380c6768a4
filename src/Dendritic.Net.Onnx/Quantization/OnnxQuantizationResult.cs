using System.Collections.Generic;

namespace Dendritic.Onnx.Quantization;

/// <summary>A quantized model and what was done to it.</summary>
public sealed record OnnxQuantizationResult
{
    /// <summary>The serialised quantized ONNX model (same inputs and outputs as the float model, float32).</summary>
    public required byte[] Model { get; init; }

    /// <summary>The Gemm, MatMul and Conv nodes that now run on int8 weights, by node name.</summary>
    public required IReadOnlyList<string> QuantizedNodes { get; init; }

    /// <summary>Gemm, MatMul and Conv nodes left in float, each as <c>name: reason</c> (e.g. a MatMul of two activations).</summary>
    public required IReadOnlyList<string> FloatNodes { get; init; }
}
