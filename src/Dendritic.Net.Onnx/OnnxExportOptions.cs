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

    /// <summary>Checks every value and throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    /// <returns>This instance, for chaining.</returns>
    public OnnxExportOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(InputName))
        {
            throw new ArgumentOutOfRangeException(nameof(InputName), InputName, "InputName must be a non-empty name (default \"input\").");
        }

        if (string.IsNullOrWhiteSpace(OutputName) || OutputName == InputName)
        {
            throw new ArgumentOutOfRangeException(nameof(OutputName), OutputName, "OutputName must be a non-empty name different from InputName (default \"output\").");
        }

        if (string.IsNullOrWhiteSpace(GraphName))
        {
            throw new ArgumentOutOfRangeException(nameof(GraphName), GraphName, "GraphName must be a non-empty name (default \"dendritic\").");
        }

        return this;
    }
}
