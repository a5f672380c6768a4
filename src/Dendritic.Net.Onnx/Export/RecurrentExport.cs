using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>
/// Writes TorchSharp's LSTM and GRU as ONNX <c>LSTM</c> and <c>GRU</c> nodes, one per layer, and returns the sequence
/// output in the module's own layout (<c>[batch, time, hidden × directions]</c> when batch_first, else time first).
/// The initial states are zero (the module called without them); h_n and c_n are not part of the value returned.
/// A float64 export is refused: ONNX Runtime computes these operators in float32 only.
/// </summary>
internal static class RecurrentExport
{
    /// <summary>PyTorch's LSTM gates are (i, f, g, o); ONNX's are (i, o, f, c).</summary>
    private static readonly long[] LstmGateOrder = { 0, 3, 1, 2 };

    /// <summary>PyTorch's GRU gates are (r, z, n); ONNX's are (z, r, h).</summary>
    private static readonly long[] GruGateOrder = { 1, 0, 2 };

    /// <summary>The sequence output's name, or null when the module is not an LSTM or GRU.</summary>
    public static string? TryEmit(OnnxGraphBuilder builder, nn.Module module, string input, Tensor? sample)
    {
        if (module is not (LSTM or GRU))
        {
            return null;
        }

        // ONNX defines LSTM and GRU on double, but ONNX Runtime's kernels take float only and refuse the file when it
        // runs ("LSTM operator does not support double yet"): refused here, before anything is written, with the fix.
        if (builder.DType == ScalarType.Float64)
        {
            throw builder.Error(module, $"ONNX Runtime computes {module.GetType().Name} in float32 only (\"{module.GetType().Name} operator does not support double yet\"), and this export is float64, so the file would not run. Convert the model to float32 before exporting (model.to(ScalarType.Float32)) and give a float32 sample input (sampleInput.to(ScalarType.Float32); token indices stay int64).");
        }

        var lstm = module is LSTM;
        var parameters = module.named_parameters(recurse: false).ToDictionary(p => p.name, p => (Tensor)p.parameter, System.StringComparer.Ordinal);
        if (!parameters.ContainsKey("weight_ih_l0") || !parameters.ContainsKey("weight_hh_l0"))
        {
            throw builder.Error(module, "it has no weight_ih_l0/weight_hh_l0 parameters, so its configuration cannot be read.");
        }

        if (parameters.Keys.Any(k => k.StartsWith("weight_hr", System.StringComparison.Ordinal)))
        {
            throw builder.Error(module, "an LSTM with a projection (proj_size > 0) has no ONNX LSTM form.");
        }

        if (sample is not null && sample.dim() != 3)
        {
            throw builder.Error(module, $"ONNX export writes recurrent modules on batched input (rank 3); the sample input here has rank {sample.dim()}.");
        }

        var hidden = parameters["weight_hh_l0"].shape[1];
        var layers = parameters.Keys.Count(k => k.StartsWith("weight_ih_l", System.StringComparison.Ordinal) && !k.EndsWith("_reverse", System.StringComparison.Ordinal));
        var suffixes = parameters.ContainsKey("weight_ih_l0_reverse") ? new[] { string.Empty, "_reverse" } : new[] { string.Empty };
        var hasBias = parameters.ContainsKey("bias_ih_l0");
        var batchFirst = BatchFirst(builder, module);
        var order = lstm ? LstmGateOrder : GruGateOrder;

        // ONNX Runtime's recurrent kernels take time-first input only (layout 0), so batch-first input is transposed.
        var sequence = batchFirst ? Transpose(builder, input, 1, 0, 2) : input;
        using var scope = torch.NewDisposeScope();
        for (var layer = 0; layer < layers; layer++)
        {
            Tensor Stacked(string prefix) => stack(suffixes.Select(s => Reordered(parameters[$"{prefix}_l{layer}{s}"], order)).ToArray(), 0);
            var inputs = new List<string>
            {
                sequence,
                builder.AddInitializer(Stacked("weight_ih"), $"W_l{layer}"),
                builder.AddInitializer(Stacked("weight_hh"), $"R_l{layer}"),
            };
            if (hasBias)
            {
                // ONNX B is [Wb; Rb] per direction: the input and the recurrent biases, kept apart as PyTorch does.
                inputs.Add(builder.AddInitializer(cat(new[] { Stacked("bias_ih"), Stacked("bias_hh") }, 1), $"B_l{layer}"));
            }

            var attributes = new Dictionary<string, object>
            {
                ["hidden_size"] = hidden,
                ["direction"] = suffixes.Length == 2 ? "bidirectional" : "forward",
            };
            if (!lstm)
            {
                // PyTorch applies the reset gate after the recurrent product: n = tanh(W_n x + b_in + r ⊙ (R_n h + b_hn)).
                attributes["linear_before_reset"] = 1L;
            }

            // Y is [time, directions, batch, hidden]; PyTorch's output is [time, batch, directions × hidden].
            var y = builder.AddNode(lstm ? "LSTM" : "GRU", inputs, attributes);
            sequence = builder.AddNode("Reshape", new[] { Transpose(builder, y, 0, 2, 1, 3), builder.AddInt64s("shape", 0, 0, -1) });
        }

        return batchFirst ? Transpose(builder, sequence, 1, 0, 2) : sequence;
    }

    /// <summary>The gate blocks of a [gates × hidden, ...] weight or bias in ONNX's order.</summary>
    private static Tensor Reordered(Tensor weight, long[] order)
    {
        var gates = weight.detach().chunk(order.Length, 0);
        return cat(order.Select(i => gates[i]).ToArray(), 0);
    }

    private static string Transpose(OnnxGraphBuilder builder, string input, params long[] permutation) =>
        builder.AddNode("Transpose", new[] { input }, new Dictionary<string, object> { ["perm"] = permutation });

    /// <summary>TorchSharp keeps batch_first in a private field without a getter; read it, or fail naming the module.</summary>
    private static bool BatchFirst(OnnxGraphBuilder builder, nn.Module module) =>
        (module is LSTM ? typeof(LSTM) : typeof(GRU)).GetField("_batch_first", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(module) is bool value
            ? value
            : throw builder.Error(module, $"its batch_first setting cannot be read (this TorchSharp version's {module.GetType().Name} has no private field '_batch_first'). Run the model in TorchSharp, or describe it through IOnnxExportable.");
}
