using System;
using System.Collections.Generic;
using System.Linq;
using Google.Protobuf;

namespace Dendritic.Onnx.Quantization;

/// <summary>
/// Quantizes a float32 ONNX model (as written by <see cref="OnnxExporter"/>, dendrites included) to int8 for ONNX
/// Runtime on CPU. Every Gemm, MatMul and Conv with a constant weight — the fused host-and-dendrite projections too —
/// gets symmetric int8 weights per output channel (7 bits of them by default,
/// <see cref="OnnxQuantizationOptions.WeightBits"/>); the dendrite cascade (Split, Sigmoid, u/v Mul and Add), activations,
/// normalisation and pooling stay float. The model's default opset stays as it is from 13 to 26 (exports are 17); one
/// below 13 is raised to 13 when none of its operators changes meaning on the way, and refused otherwise. See
/// docs/export.md, "Quantizing".
/// </summary>
public static class OnnxQuantizer
{
    /// <summary>
    /// Post-training static quantization in QDQ form: activations entering each projection (and leaving each Conv) are
    /// uint8 with a per-tensor scale and zero point calibrated on the caller's batches; ONNX Runtime turns each group
    /// into an integer kernel (QGemm, MatMulIntegerToFloat, QLinearConv).
    /// </summary>
    /// <param name="model">The serialised float32 ONNX model (e.g. <see cref="OnnxExporter.ExportToBytes(TorchSharp.torch.nn.Module, TorchSharp.torch.Tensor, OnnxExportOptions?)"/>).</param>
    /// <param name="calibration">Runs the model on representative input batches and returns the requested activations (see <see cref="CalibrationRunner"/>).</param>
    /// <param name="options">Calibration method and weight bits; <see cref="OnnxQuantizationOptions.Default"/> (min/max, 7-bit weights) when null.</param>
    /// <returns>The quantized model and which nodes were quantized or kept float.</returns>
    /// <exception cref="OnnxQuantizationException">
    /// A node the quantizer does not support (the message and <see cref="OnnxQuantizationException.NodeName"/> name it),
    /// a float64 or already-quantized model, an opset it does not take or a damaged or hostile file (see
    /// <see cref="QuantizeDynamic"/>), no calibration batches, a non-finite calibration value, an activation for which
    /// the runner returned no values at all (the message and <see cref="OnnxQuantizationException.ValueName"/> name it),
    /// a bias that no int32 holds at its input's calibrated scale, or a weight shared by projections whose biases each
    /// need their own int8 copy of it, past 4 bytes of constants added per byte of <paramref name="model"/> plus 16 MiB.
    /// The file is checked before the runner is called.
    /// </exception>
    /// <exception cref="InvalidOptionsException">An option is invalid (see <see cref="OnnxQuantizationOptions.Validate"/>); it lists every bad value.</exception>
    public static OnnxQuantizationResult QuantizeStatic(byte[] model, CalibrationRunner calibration, OnnxQuantizationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(calibration);
        options = (options ?? OnnxQuantizationOptions.Default).Validate();
        var graph = QuantGraph.Parse(model);
        var floatNodes = new List<string>();
        var projections = ProjectionFinder.Find(graph, floatNodes);
        OpsetCheck.RequireRaisable(graph);
        // Inputs of every projection; outputs of convolutions only. ONNX Runtime runs DQ → Gemm/MatMul with a float
        // output as QGemm/MatMulIntegerToFloat, so their outputs (logits; the fused host-and-dendrite pre-activations)
        // stay float instead of sharing one 8-bit scale; its QLinearConv needs a quantized output.
        var activations = projections.Select(p => p.Input)
            .Concat(projections.Where(p => p.Node.OpType == "Conv").Select(p => p.Output))
            .Distinct(StringComparer.Ordinal).ToList();
        if (projections.Count > 0)
        {
            var ranges = Calibrator.Run(graph, activations, calibration, options);
            StaticQdqWriter.Rewrite(graph, projections, ranges, WeightQuantizer.Limit(options.WeightBits));
        }

        return Result(graph, projections, floatNodes);
    }

    /// <summary>
    /// Dynamic quantization, the option that needs no calibration: int8 weights per output channel; each projection's
    /// input is quantized to uint8 at run time from its own range (DynamicQuantizeLinear), multiplied in integers
    /// (MatMulInteger, ConvInteger) and scaled back to float.
    /// </summary>
    /// <param name="model">The serialised float32 ONNX model.</param>
    /// <param name="options">
    /// Only <see cref="OnnxQuantizationOptions.WeightBits"/> applies (the calibration options have nothing to
    /// calibrate); <see cref="OnnxQuantizationOptions.Default"/> (7-bit weights) when null.
    /// </param>
    /// <returns>The quantized model and which nodes were quantized or kept float.</returns>
    /// <exception cref="OnnxQuantizationException">
    /// A node the quantizer does not support, a float64 or already-quantized model, an opset it does not take, or a
    /// damaged or hostile file, named in the message and in <see cref="OnnxQuantizationException.NodeName"/> or
    /// <see cref="OnnxQuantizationException.ValueName"/> with the bad value: bytes that are no ONNX model or a graph
    /// without nodes, or of more messages than one per 16 bytes of the file (past 65,536; counted before parsing), or holding a protobuf group; no import of the default operator set, or more than one; a default opset above 26, or below 13
    /// with a node whose operator changed meaning by 13 (the node named); two nodes of one name; an initializer without
    /// a name or twice; a value produced more than once, or read (by a node or as a graph output) but produced by
    /// nothing; nodes that form a cycle; a tensor in external data (no file is read); a Gemm, MatMul or Conv with
    /// inputs, outputs, attributes (transA/transB other than 0 or 1, an attribute of the wrong type or given twice) or
    /// a weight rank ONNX does not define for it; a weight or bias to quantize whose
    /// shape has a dimension below 1 or does not describe exactly the values stored (checked on the bytes before
    /// anything is sized by the shape), that is stored in both raw_data and float_data, or that holds NaN or infinity.
    /// </exception>
    /// <exception cref="InvalidOptionsException">An option is invalid (see <see cref="OnnxQuantizationOptions.Validate"/>); it lists every bad value.</exception>
    public static OnnxQuantizationResult QuantizeDynamic(byte[] model, OnnxQuantizationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options = (options ?? OnnxQuantizationOptions.Default).Validate();
        var graph = QuantGraph.Parse(model);
        var floatNodes = new List<string>();
        var projections = ProjectionFinder.Find(graph, floatNodes);
        OpsetCheck.RequireRaisable(graph);
        DynamicWriter.Rewrite(graph, projections, WeightQuantizer.Limit(options.WeightBits));
        return Result(graph, projections, floatNodes);
    }

    private static OnnxQuantizationResult Result(QuantGraph graph, List<Projection> projections, List<string> floatNodes)
    {
        // Per-axis DequantizeLinear needs opset 13. Exports are 17 and stay so; OpsetCheck has let through a model below
        // 13 only when none of its nodes changes meaning at 13.
        if (graph.DefaultOpset.Version < OpsetCheck.Required)
        {
            graph.DefaultOpset.Version = OpsetCheck.Required;
        }

        return new OnnxQuantizationResult
        {
            Model = graph.Model.ToByteArray(),
            QuantizedNodes = projections.Select(p => p.Label).ToArray(),
            FloatNodes = floatNodes.ToArray(),
        };
    }
}
