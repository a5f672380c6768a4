using System;

namespace Dendritic.Onnx.Quantization;

/// <summary>
/// How <see cref="OnnxQuantizer.QuantizeStatic"/> calibrates activations, and how many bits both quantizers give the
/// weights. Immutable; validated once per call.
/// </summary>
public sealed record OnnxQuantizationOptions
{
    /// <summary>How a range is taken from the calibration values. Default <see cref="CalibrationMethod.MinMax"/>.</summary>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;

    /// <summary>
    /// With <see cref="CalibrationMethod.Percentile"/>: the percentile (in percent, above 50 and at most 100) taken as
    /// the top of the range; its mirror (100 - Percentile) is the bottom. Default 99.99.
    /// </summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>
    /// With <see cref="CalibrationMethod.Percentile"/>: the most values kept per activation for the percentile (a
    /// seeded reservoir sample beyond that), which bounds memory at 4 bytes each. Default 1,048,576.
    /// </summary>
    public int MaxValuesPerTensor { get; init; } = 1 << 20;

    /// <summary>
    /// Bits of each int8 weight: 7 (default), values in [-63, 63]; or 8, values in [-127, 127]. ONNX Runtime's integer
    /// kernels on x86 CPUs without VNNI (AVX2, and AVX-512 without VNNI) add pairs of uint8 × int8 products in 16-bit
    /// registers that saturate: with 8-bit weights a quantized model's outputs there can be off by several percent of
    /// their range (13 % on this repository's test models on an AMD Zen 3 CPU, against 1 % with 7 bits), while on CPUs
    /// with VNNI and on ARM both are exact. 7 bits cannot saturate (2 × 255 × 63 &lt; 32,767) and cost half a step of
    /// weight precision; choose 8 only when every machine that runs the file has VNNI or is not x86.
    /// </summary>
    public int WeightBits { get; init; } = 7;

    /// <summary>The options every call gets unless told otherwise.</summary>
    public static OnnxQuantizationOptions Default { get; } = new();

    /// <summary>Checks every value and reports all invalid ones at once.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="InvalidOptionsException">One or more values are invalid; the exception lists each.</exception>
    public OnnxQuantizationOptions Validate()
    {
        var check = new OptionsValidator(nameof(OnnxQuantizationOptions));
        check.Defined(Method, nameof(Method));
        check.Require(Percentile > 50 && Percentile <= 100, nameof(Percentile), Percentile, $"must be above 50 and at most 100 (default {Default.Percentile})");
        check.AtLeast(MaxValuesPerTensor, 1, nameof(MaxValuesPerTensor), Default.MaxValuesPerTensor);
        check.Require(WeightBits is 7 or 8, nameof(WeightBits), WeightBits, $"must be 7 or 8 (default {Default.WeightBits})");
        check.ThrowIfInvalid();
        return this;
    }
}
