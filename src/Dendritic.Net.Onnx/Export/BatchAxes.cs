using System.Globalization;

namespace Dendritic.Onnx.Export;

/// <summary>
/// Checks <see cref="OnnxExportOptions.InputBatchAxis"/> and <see cref="OnnxExportOptions.OutputBatchAxis"/> against
/// the sample run. Both axes are written under one symbol, <c>batch</c>, which tells a runtime they have the same
/// size: an output axis whose size differs from the input's batch in the sample would make the file's shapes a lie
/// (a time-first model exported with the default axes marked its time axis as the batch).
/// </summary>
internal static class BatchAxes
{
    /// <summary>The axes to mark <c>batch</c> in the input and the output; null where none is (fixed batch, scalar output).</summary>
    /// <exception cref="InvalidOptionsException">An axis is not one of its tensor's, or the two axes differ in size; lists every problem.</exception>
    public static (int? Input, int? Output) Resolve(OnnxExportOptions options, long[] input, long[] output)
    {
        if (!options.DynamicBatch)
        {
            return (null, null);
        }

        var check = new OptionsValidator(nameof(OnnxExportOptions));
        var inputAxis = options.InputBatchAxis;
        var outputAxis = options.OutputBatchAxis;
        var inputValid = inputAxis < input.Length;
        check.Require(inputValid, nameof(OnnxExportOptions.InputBatchAxis), inputAxis, $"must be an axis of the sample input, which is {Describe(input)} (default 0; 1 for a time-first [time, batch, features] input)");
        if (output.Length > 0)
        {
            if (outputAxis >= output.Length)
            {
                check.Require(false, nameof(OnnxExportOptions.OutputBatchAxis), outputAxis, $"must be an axis of the model's output, which is {Describe(output)} on the sample (default 0)");
            }
            else if (inputValid)
            {
                check.Require(output[outputAxis] == input[inputAxis], nameof(OnnxExportOptions.OutputBatchAxis), outputAxis, string.Create(CultureInfo.InvariantCulture, $"names an output axis of size {output[outputAxis]} (output {Describe(output)}), but the input's batch axis {inputAxis} has size {input[inputAxis]} (input {Describe(input)}); set InputBatchAxis and OutputBatchAxis to the axes that hold the batch (a time-first recurrent model takes InputBatchAxis = 1), or DynamicBatch = false to fix every axis"));
            }
        }

        check.ThrowIfInvalid();
        return (inputAxis, output.Length > 0 ? outputAxis : null);
    }

    private static string Describe(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
