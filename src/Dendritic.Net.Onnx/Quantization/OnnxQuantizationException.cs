using System;

namespace Dendritic.Onnx.Quantization;

/// <summary>
/// An ONNX model cannot be quantized: a node the quantizer does not know (named in the message and in
/// <see cref="NodeName"/>), a float64 model, a model that is already quantized, an opset the quantizer does not take
/// (no default opset import or two, an opset above 26, or one below 13 with a node whose operator changed meaning by
/// 13), a damaged or hostile file (bytes that are no ONNX model; two nodes of one name; a value produced twice or
/// never, a cycle; a tensor in external data; a weight or bias whose shape does not match its values, with NaN or
/// infinite values; a Gemm, MatMul or Conv outside the form ONNX defines; the message and <see cref="NodeName"/> or
/// <see cref="ValueName"/> name the node or tensor and the bad value), or calibration that produced no usable ranges
/// (no batches, non-finite activations, a runner returning the wrong outputs, a bias no int32 holds at the calibrated
/// scale). The quantizer reads no file and leaves the caller's bytes as they were.
/// </summary>
public sealed class OnnxQuantizationException : DendriticException
{
    /// <summary>Creates the exception.</summary>
    public OnnxQuantizationException()
        : this("The model cannot be quantized.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    public OnnxQuantizationException(string message)
        : this(message, string.Empty, string.Empty)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public OnnxQuantizationException(string message, Exception innerException)
        : base(message, innerException)
    {
        NodeName = string.Empty;
        ValueName = string.Empty;
    }

    /// <summary>Creates the exception for one node or one value of the graph.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="nodeName">
    /// The failing node's label: its name, or <c>#index (OpType)</c> when it has none (see
    /// <see cref="OnnxQuantizationResult.QuantizedNodes"/>); empty when none.
    /// </param>
    /// <param name="valueName">The failing value's (tensor's) name; empty when none.</param>
    public OnnxQuantizationException(string message, string nodeName, string valueName)
        : base(message)
    {
        NodeName = nodeName;
        ValueName = valueName;
    }

    /// <summary>
    /// The label of the node that cannot be quantized, as in <see cref="OnnxQuantizationResult.QuantizedNodes"/>: its
    /// name, or <c>#index (OpType)</c> for an unnamed node; empty when the problem is not one node's.
    /// </summary>
    public string NodeName { get; }

    /// <summary>The name of the value (tensor) that is damaged or whose calibration failed; empty when the problem is not one value's.</summary>
    public string ValueName { get; }
}
