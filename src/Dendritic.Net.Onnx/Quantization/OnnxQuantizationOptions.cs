using System;
using System.Collections.Generic;

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

    /// <summary>Checks every value and throws one <see cref="ArgumentOutOfRangeException"/> listing every bad one.</summary>
    /// <returns>This instance, for chaining.</returns>
    public OnnxQuantizationOptions Validate()
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(Method))
        {
            errors.Add($"Method {Method} is not a CalibrationMethod (MinMax or Percentile).");
        }

        if (!(Percentile > 50 && Percentile <= 100))
        {
            errors.Add($"Percentile must be above 50 and at most 100 (default 99.99), not {Percentile}.");
        }

        if (MaxValuesPerTensor < 1)
        {
            errors.Add($"MaxValuesPerTensor must be at least 1 (default 1,048,576), not {MaxValuesPerTensor}.");
        }

        return errors.Count == 0 ? this : throw new ArgumentOutOfRangeException(nameof(OnnxQuantizationOptions), string.Join(" ", errors));
    }
}
