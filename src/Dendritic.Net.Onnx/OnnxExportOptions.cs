using System;

namespace Dendritic.Onnx;

/// <summary>How <see cref="OnnxExporter"/> writes a model. Immutable; validated once when an export starts.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>Name of the graph input. Default <c>input</c>.</summary>
    public string InputName { get; init; } = "input";

    /// <summary>Name of the graph output. Default <c>output</c>.</summary>
    public string OutputName { get; init; } = "output";

    /// <summary>
    /// Whether the first axis of the input and output is symbolic (named <c>batch</c>), so the file runs on any batch
    /// size. When false every dimension is fixed to the sample input's. Default true.
    /// </summary>
    public bool DynamicBatch { get; init; } = true;

    /// <summary>Name of the ONNX graph. Default <c>dendritic</c>.</summary>
    public string GraphName { get; init; } = "dendritic";

    /// <summary>The options every export gets unless told otherwise.</summary>
    public static OnnxExportOptions Default { get; } = new();

    /// <summary>Checks every value and reports all invalid ones at once.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="InvalidOptionsException">One or more values are invalid; the exception lists each.</exception>
    public OnnxExportOptions Validate()
    {
        var check = new OptionsValidator(nameof(OnnxExportOptions));
        check.NotBlank(InputName, nameof(InputName), Default.InputName);
        check.NotBlank(OutputName, nameof(OutputName), Default.OutputName);
        check.Require(OutputName != InputName, nameof(OutputName), OutputName, "must differ from InputName");
        check.NotBlank(GraphName, nameof(GraphName), Default.GraphName);
        check.ThrowIfInvalid();
        return this;
    }
}
