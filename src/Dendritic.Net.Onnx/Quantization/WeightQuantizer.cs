using System;

namespace Dendritic.Onnx.Quantization;

/// <summary>
/// Symmetric per-output-channel int8 quantization of a weight: w ≈ scale[c] · q, q in [-limit, limit], zero point 0,
/// where limit is <see cref="Limit"/> of <see cref="OnnxQuantizationOptions.WeightBits"/> (63 for 7 bits, 127 for 8).
/// </summary>
internal static class WeightQuantizer
{
    /// <summary>The largest |q| for the given number of weight bits: 2^(bits - 1) - 1.</summary>
    public static int Limit(int weightBits) => (1 << (weightBits - 1)) - 1;

    /// <summary>The smallest scale written, so an all-zero channel still has a valid (positive) scale.</summary>
    private const float MinScale = 1e-12f;

    /// <summary>Scale per channel: the channel's largest |w| over <paramref name="limit"/>.</summary>
    public static float[] Scales(float[] weight, long[] dims, int axis, int limit)
    {
        var channels = dims[axis];
        var scales = new float[channels];
        ForEach(dims, axis, (i, c) => scales[c] = Math.Max(scales[c], Math.Abs(weight[i])));
        for (var c = 0; c < channels; c++)
        {
            scales[c] = Math.Max(scales[c] / limit, MinScale);
        }

        return scales;
    }

    /// <summary>The weight in integers of at most |<paramref name="limit"/>| at the given per-channel scales.</summary>
    public static sbyte[] Quantize(float[] weight, long[] dims, int axis, float[] scales, int limit)
    {
        var q = new sbyte[weight.Length];
        ForEach(dims, axis, (i, c) => q[i] = (sbyte)Math.Clamp(MathF.Round(weight[i] / scales[c], MidpointRounding.ToEven), -limit, limit));
        return q;
    }

    /// <summary>
    /// Bias as int32 at scale inputScale · weightScale[c] (what integer kernels add to their int32 accumulators).
    /// Raises a channel's weight scale first where the bias would not fit in int32.
    /// </summary>
    public static int[] QuantizeBias(float[] bias, float inputScale, float[] weightScales)
    {
        const double Limit = int.MaxValue - 1.0;
        var q = new int[bias.Length];
        for (var c = 0; c < bias.Length; c++)
        {
            var needed = (float)(Math.Abs(bias[c]) / (inputScale * Limit));
            weightScales[c] = Math.Max(weightScales[c], needed * 1.0001f);
            q[c] = (int)Math.Clamp(Math.Round(bias[c] / ((double)inputScale * weightScales[c]), MidpointRounding.ToEven), -Limit, Limit);
        }

        return q;
    }

    /// <summary>Row-major [rows, cols] to [cols, rows].</summary>
    public static float[] Transpose(float[] values, long rows, long cols)
    {
        var result = new float[values.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                result[(c * rows) + r] = values[(r * cols) + c];
            }
        }

        return result;
    }

    /// <summary>Calls <paramref name="action"/>(flat index, channel) for every element of a row-major tensor.</summary>
    private static void ForEach(long[] dims, int axis, Action<long, long> action)
    {
        long inner = 1;
        for (var d = axis + 1; d < dims.Length; d++)
        {
            inner *= dims[d];
        }

        var channels = dims[axis];
        long total = 1;
        foreach (var d in dims)
        {
            total *= d;
        }

        for (long i = 0; i < total; i++)
        {
            action(i, i / inner % channels);
        }
    }
}
