using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>
/// A one-layer, time-first TorchSharp LSTM or GRU with fixed parameters, for a forward written as TorchSharp code and
/// for its description written as an ONNX node by hand: each side makes its own module from the same seed, as
/// <see cref="FixedTensors"/> does for weights.
/// </summary>
internal static class FixedRecurrent
{
    /// <summary>ONNX's gate order from PyTorch's: LSTM (i, f, g, o) to (i, o, f, c).</summary>
    public static readonly long[] LstmOrder = { 0, 3, 1, 2 };

    /// <summary>ONNX's gate order from PyTorch's: GRU (r, z, n) to (z, r, h).</summary>
    public static readonly long[] GruOrder = { 1, 0, 2 };

    /// <summary>The module, every parameter FixedTensors' normal values (from <paramref name="seed"/> on) halved.</summary>
    public static nn.Module Make(bool lstm, long features, long hidden, bool bidirectional, ulong seed)
    {
        nn.Module module = lstm
            ? nn.LSTM(features, hidden, bidirectional: bidirectional)
            : nn.GRU(features, hidden, bidirectional: bidirectional);
        using var noGrad = torch.no_grad();
        var next = seed;
        foreach (var (_, parameter) in module.named_parameters())
        {
            using var value = FixedTensors.Normal(next++, parameter.shape);
            parameter.copy_(value * 0.5);
        }

        return module;
    }

    /// <summary>TorchSharp's sequence output [time, batch, directions × hidden] on <paramref name="x"/> [time, batch, features], from zero states.</summary>
    public static Tensor Forward(bool lstm, Tensor x, long hidden, bool bidirectional, ulong seed)
    {
        using var module = Make(lstm, x.shape[2], hidden, bidirectional, seed);
        return module is LSTM l ? l.call(x, null).Item1 : ((GRU)module).call(x, null).Item1;
    }

    /// <summary>
    /// The module's W, R and B in ONNX's layout ([directions, gates × hidden, ...], B = [input biases; recurrent
    /// biases]), its gate blocks taken in <paramref name="order"/> (<see cref="LstmOrder"/>, <see cref="GruOrder"/>,
    /// or another for a description that gets them wrong).
    /// </summary>
    public static (Tensor W, Tensor R, Tensor B) Weights(bool lstm, long features, long hidden, bool bidirectional, ulong seed, long[] order)
    {
        using var module = Make(lstm, features, hidden, bidirectional, seed);
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach());
        var suffixes = bidirectional ? new[] { string.Empty, "_reverse" } : new[] { string.Empty };
        Tensor Stacked(string prefix) => stack(suffixes.Select(s => Reordered(parameters[$"{prefix}_l0{s}"], order)).ToArray());
        return (Stacked("weight_ih"), Stacked("weight_hh"), cat(new[] { Stacked("bias_ih"), Stacked("bias_hh") }, 1));
    }

    /// <summary>
    /// The module as one ONNX LSTM or GRU node on <paramref name="x"/> (time first), then Y [time, directions, batch,
    /// hidden] made [time, batch, directions × hidden], TorchSharp's layout. <paramref name="attributes"/> adds to
    /// (or overrides) hidden_size, direction and a GRU's linear_before_reset 1.
    /// </summary>
    public static string Node(OnnxGraphBuilder builder, string x, bool lstm, long features, long hidden, bool bidirectional, ulong seed, long[] order, Dictionary<string, object>? attributes = null)
    {
        var (w, r, b) = Weights(lstm, features, hidden, bidirectional, seed, order);
        using (w)
        using (r)
        using (b)
        {
            var all = new Dictionary<string, object> { ["hidden_size"] = hidden, ["direction"] = bidirectional ? "bidirectional" : "forward" };
            if (!lstm)
            {
                all["linear_before_reset"] = 1L;
            }

            foreach (var (name, value) in attributes ?? new Dictionary<string, object>())
            {
                all[name] = value;
            }

            var inputs = new[] { x, builder.AddInitializer(w, "W"), builder.AddInitializer(r, "R"), builder.AddInitializer(b, "B") };
            var y = builder.AddNode(lstm ? "LSTM" : "GRU", inputs, all);
            var timeFirst = builder.AddNode("Transpose", new[] { y }, new Dictionary<string, object> { ["perm"] = new long[] { 0, 2, 1, 3 } });
            using var shape = torch.tensor(new long[] { 0, 0, -1 });
            return builder.AddNode("Reshape", new[] { timeFirst, builder.AddInitializer(shape, "shape") });
        }
    }

    private static Tensor Reordered(Tensor weight, long[] order)
    {
        var gates = weight.chunk(order.Length, 0);
        return cat(order.Select(i => gates[i]).ToArray(), 0);
    }
}
