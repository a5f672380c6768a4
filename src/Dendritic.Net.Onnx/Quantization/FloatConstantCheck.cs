using System;
using System.Globalization;
using System.Runtime.InteropServices;
using Dendritic.Onnx.Proto;

namespace Dendritic.Onnx.Quantization;

/// <summary>
/// Checks a float32 weight or bias that a projection is about to be quantized with, without allocating: the writers
/// size their arrays by its dims (one scale per output channel, one int8 per value), so the dims must describe
/// exactly the values the file holds. Checked on what the bytes really hold, so a file cannot make the quantizer
/// allocate more than its own size: a shape whose product wraps round 64 bits to the value count (4 × (2^62 + 1))
/// had asked for a 2^62-channel scale array.
/// </summary>
internal static class FloatConstantCheck
{
    /// <exception cref="OnnxQuantizationException">
    /// A dimension is not positive, the values are in both raw_data and float_data, raw_data is not whole float32
    /// values, the shape does not hold exactly the values stored, or a value is NaN or infinite.
    /// </exception>
    public static void Validate(TensorProto tensor, string label)
    {
        var what = $"Initializer {QuantGraph.Quote(tensor.Name)} of node {QuantGraph.Quote(label)}";
        var shape = QuantGraph.Shape(tensor.Dims);
        for (var d = 0; d < tensor.Dims.Count; d++)
        {
            if (tensor.Dims[d] < 1)
            {
                throw Damaged(tensor, label, string.Create(CultureInfo.InvariantCulture, $"{what} has shape {shape}, whose dimension {d} is {tensor.Dims[d]}: a weight or bias to quantize needs every dimension positive."));
            }
        }

        var raw = tensor.RawData.Span;
        if (raw.Length > 0 && tensor.FloatData.Count > 0)
        {
            throw Damaged(tensor, label, string.Create(CultureInfo.InvariantCulture, $"{what} holds values both in raw_data ({raw.Length} bytes) and in float_data ({tensor.FloatData.Count} values); ONNX stores a tensor's values in one of them, and which one a reader takes is a guess."));
        }

        if (raw.Length % sizeof(float) != 0)
        {
            throw Damaged(tensor, label, string.Create(CultureInfo.InvariantCulture, $"{what} has {raw.Length} bytes of raw_data, which is not a whole number of float32 values (4 bytes each)."));
        }

        long count = raw.Length > 0 ? raw.Length / sizeof(float) : tensor.FloatData.Count;

        // Every dimension is at least 1, so the running product only grows: once it would pass the count it is a
        // mismatch, and it never overflows (d > count / product is product · d > count, without the multiplication).
        long product = 1;
        foreach (var d in tensor.Dims)
        {
            if (d > count / product)
            {
                throw Damaged(tensor, label, string.Create(CultureInfo.InvariantCulture, $"{what} has shape {shape}, which needs more values than the {count} float32 values it holds."));
            }

            product *= d;
        }

        if (product != count)
        {
            throw Damaged(tensor, label, string.Create(CultureInfo.InvariantCulture, $"{what} has shape {shape}, which needs {product} values, but it holds {count} float32 values."));
        }

        var rawValues = MemoryMarshal.Cast<byte, float>(raw);
        for (var i = 0; i < (int)count; i++)
        {
            var value = raw.Length > 0 ? rawValues[i] : tensor.FloatData[i];
            if (!float.IsFinite(value))
            {
                // No scale represents a NaN or an infinity (an infinite weight made its channel's scale infinite and
                // every other weight of the channel 0), and the float model computes NaN or infinities from it anyway.
                throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"{what} holds {value} at index {i}: a NaN or infinite weight or bias cannot be quantized. The file is damaged, or training diverged; fix the float model (its outputs are not finite either) before quantizing."), label, tensor.Name);
            }
        }
    }

    private static OnnxQuantizationException Damaged(TensorProto tensor, string label, string problem) =>
        new(problem + " The file is damaged: re-export the model.", label, tensor.Name);
}
