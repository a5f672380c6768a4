using System;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>
/// Checks <see cref="OnnxExportOptions.InputBatchAxis"/> and <see cref="OnnxExportOptions.OutputBatchAxis"/> against
/// the sample run. Both axes are written under one symbol, <c>batch</c>, which tells a runtime they have the same
/// size: an output axis whose size differs from the input's batch in the sample would make the file's shapes a lie
/// (a time-first model exported with the default axes marked its time axis as the batch). Equal sizes can be chance (a
/// time-first sample with as many steps as sequences, an output axis as long as the batch), so the model then runs
/// once more with one more sample along the input's batch axis, and the output's batch axis must grow with it.
/// </summary>
internal static class BatchAxes
{
    /// <summary>The axes to mark <c>batch</c> in the input and the output; null where none is (fixed batch, scalar output).</summary>
    /// <param name="options">The export's options.</param>
    /// <param name="sample">The sample input.</param>
    /// <param name="output">The model's output shape on the sample.</param>
    /// <param name="run">Runs the model (eval mode, no gradients) on another input; null when it cannot be run so.</param>
    /// <exception cref="InvalidOptionsException">An axis is not one of its tensor's, the two axes differ in size, or the output's axis does not follow the input's when the batch grows; lists every problem.</exception>
    public static (int? Input, int? Output) Resolve(OnnxExportOptions options, Tensor sample, long[] output, Func<Tensor, Tensor?> run)
    {
        if (!options.DynamicBatch)
        {
            return (null, null);
        }

        var input = sample.shape;
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
        if (output.Length > 0)
        {
            Probe(options, sample, output, run);
        }

        return (inputAxis, output.Length > 0 ? outputAxis : null);
    }

    /// <summary>
    /// Runs the model on the sample with its first item along the input's batch axis appended once more: the output
    /// must be the sample's output with its batch axis one longer, and every other axis as it was (the file fixes them).
    /// </summary>
    private static void Probe(OnnxExportOptions options, Tensor sample, long[] output, Func<Tensor, Tensor?> run)
    {
        var inputAxis = options.InputBatchAxis;
        var outputAxis = options.OutputBatchAxis;
        if (sample.shape[inputAxis] == 0)
        {
            return;
        }

        using var scope = torch.NewDisposeScope();
        var larger = torch.cat(new[] { sample, sample.narrow(inputAxis, 0, 1) }, inputAxis);
        var expected = output.ToArray();
        expected[outputAxis]++;
        var check = new OptionsValidator(nameof(OnnxExportOptions));
        try
        {
            if (run(larger) is not { } grown)
            {
                return;
            }

            check.Require(grown.shape.SequenceEqual(expected), nameof(OnnxExportOptions.OutputBatchAxis), outputAxis, string.Create(CultureInfo.InvariantCulture, $"names an output axis that does not follow the input's batch axis {inputAxis}: the sample {Describe(sample.shape)} gives the output {Describe(output)}, but with one more along input axis {inputAxis} ({Describe(larger.shape)}) the output is {Describe(grown.shape)}, not {Describe(expected)}; the sizes agreed by chance. Set InputBatchAxis and OutputBatchAxis to the axes that hold the batch (a time-first recurrent model takes InputBatchAxis = 1), or DynamicBatch = false to fix every axis"));
        }
        catch (ExternalException e)
        {
            CannotGrow(check, inputAxis, larger, LibTorchErrors.Reason(e));
        }
        catch (ArgumentException e)
        {
            // TorchSharp refused a shape before libtorch saw it.
            CannotGrow(check, inputAxis, larger, e.Message);
        }

        check.ThrowIfInvalid();
    }

    private static void CannotGrow(OptionsValidator check, int inputAxis, Tensor larger, string reason) =>
        check.Require(false, nameof(OnnxExportOptions.InputBatchAxis), inputAxis, string.Create(CultureInfo.InvariantCulture, $"names an axis the model cannot take another size of: with one more along it ({Describe(larger.shape)}) the forward pass fails ({reason}), so the file could not leave it dynamic. Set InputBatchAxis to the axis that holds the batch, or DynamicBatch = false to fix every axis"));

    private static string Describe(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
