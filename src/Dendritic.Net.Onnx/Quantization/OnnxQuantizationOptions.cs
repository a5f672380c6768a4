using System;

namespace Dendritic.Onnx.Quantization;

/// <summary>How <see cref="OnnxQuantizer.QuantizeStatic"/> calibrates activations. Immutable; validated once per call.</summary>
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
        check.ThrowIfInvalid();
        return this;
    }
}
