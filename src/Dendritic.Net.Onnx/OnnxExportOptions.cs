using System;
using Microsoft.Extensions.Logging;

namespace Dendritic.Onnx;

/// <summary>How <see cref="OnnxExporter"/> writes a model. Immutable; validated once when an export starts.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>Name of the graph input. Default <c>input</c>.</summary>
    public string InputName { get; init; } = "input";

    /// <summary>Name of the graph output. Default <c>output</c>.</summary>
    public string OutputName { get; init; } = "output";

    /// <summary>
    /// Whether the batch axis of the input and of the output (<see cref="InputBatchAxis"/> and
    /// <see cref="OutputBatchAxis"/>, the first by default) is symbolic (named <c>batch</c>), so the file runs on any
    /// batch size. When false every dimension is fixed to the sample input's. Default true.
    /// </summary>
    public bool DynamicBatch { get; init; } = true;

    /// <summary>
    /// The axis of the graph input that holds the batch, counted from 0. Default 0. A model whose input is time first,
    /// such as one that starts with an LSTM or GRU built with <c>batch_first: false</c> (input
    /// <c>[time, batch, features]</c>), takes 1. Must be at least 0; when <see cref="DynamicBatch"/> is true the export
    /// also checks that it is an axis of the sample input. Ignored when <see cref="DynamicBatch"/> is false.
    /// </summary>
    public int InputBatchAxis { get; init; }

    /// <summary>
    /// The axis of the graph output that holds the batch, counted from 0. Default 0, as in a classifier's
    /// <c>[batch, classes]</c> whatever the input's layout; a time-first sequence output (<c>[time, batch, hidden]</c>)
    /// takes 1. Must be at least 0; when <see cref="DynamicBatch"/> is true the export also checks that it is an axis
    /// of the model's output on the sample with as many entries as the input's batch axis, and that it grows by one
    /// (every other output axis staying as it is) when the model runs once more with one more item along the input's
    /// batch axis, so that sizes equal by chance (a time-first sample with as many steps as sequences) do not pass. A
    /// scalar output has no batch axis and is written fixed. Ignored when <see cref="DynamicBatch"/> is false.
    /// </summary>
    public int OutputBatchAxis { get; init; }

    /// <summary>
    /// Where the export logs: a graph description (your <see cref="IOnnxExportable"/>, or a built-in one) that could not
    /// be checked against the module's forward pass on the sample input, because it uses an operator the exporter does
    /// not compute, is written unchecked with a warning (event 8000). Default null: the handle's logger
    /// (<see cref="WrapOptions.Logger"/> or <see cref="AdoptOptions.Logger"/>) when a <see cref="DendriticModel"/> is
    /// exported, no logging for a module exported without a handle.
    /// </summary>
    public ILogger? Logger { get; init; }

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
        check.AtLeast(InputBatchAxis, 0, nameof(InputBatchAxis), Default.InputBatchAxis);
        check.AtLeast(OutputBatchAxis, 0, nameof(OutputBatchAxis), Default.OutputBatchAxis);
        check.ThrowIfInvalid();
        return this;
    }
}
