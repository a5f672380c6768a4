namespace Dendritic.Onnx.Quantization;

/// <summary>How static quantization turns the calibration batches' activations into a per-tensor range.</summary>
public enum CalibrationMethod
{
    /// <summary>The smallest and largest value seen (always including 0). Exact, but one outlier widens the range.</summary>
    MinMax,

    /// <summary>
    /// The <see cref="OnnxQuantizationOptions.Percentile"/>-th percentile of the values at the top and its mirror at
    /// the bottom (always including 0): clips rare outliers so common values keep more of the 256 levels.
    /// </summary>
    Percentile,
}
