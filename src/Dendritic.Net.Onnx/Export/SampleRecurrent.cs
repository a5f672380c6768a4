using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>
/// <see cref="SampleEvaluator"/>'s recurrent operators, LSTM and GRU (opset 14, the form in opset 17), each by its ONNX
/// definition and in the form <see cref="RecurrentExport"/> writes: time-first input (<c>layout</c> 0), gates in
/// ONNX's order (LSTM i, o, f, c; GRU z, r, h), the bias as [input biases; recurrent biases] per direction,
/// <c>forward</c>, <c>reverse</c> or <c>bidirectional</c>, zero or given initial states, and GRU's reset gate before
/// (<c>linear_before_reset</c> 0, the default) or after (1, PyTorch's) the recurrent product. What ONNX can say and a
/// TorchSharp module cannot (sequence_lens, peepholes, clip, other activations, input_forget) is not computed, nor
/// what ONNX Runtime refuses (batch-first layout, float64).
/// </summary>
internal static class SampleRecurrent
{
    /// <summary>LSTM: its first output, Y [time, directions, batch, hidden] (a node has one output; see <see cref="SampleEvaluator"/>).</summary>
    public static Tensor? Lstm(SampleNode n) => Run(n, lstm: true);

    /// <summary>GRU: its first output, Y [time, directions, batch, hidden].</summary>
    public static Tensor? Gru(SampleNode n) => Run(n, lstm: false);

    private static Tensor? Run(SampleNode n, bool lstm)
    {
        if (Shapes(n, lstm) is not { } shape)
        {
            return null;
        }

        var (directions, hidden) = shape;
        var x = n[0];
        var bias = n.Optional(3);
        var initialH = n.Optional(5);
        var initialC = lstm ? n.Optional(6) : null;
        var direction = n.String("direction", "forward");
        var resetAfter = n.Int("linear_before_reset", 0) != 0;
        var (time, batch) = (x.shape[0], x.shape[1]);

        using var scope = torch.NewDisposeScope();
        var ys = new List<Tensor>();
        for (var d = 0; d < directions; d++)
        {
            var backward = direction == "reverse" || d == 1;
            var biases = bias?[d].chunk(2);
            var weight = n[1][d];
            var recurrent = n[2][d];

            // Every step's input projection at once, [time, batch, gates × hidden], with the input biases Wb.
            var projected = x.matmul(weight.t());
            if (biases is not null)
            {
                projected += biases[0];
            }

            var h = initialH?[d] ?? torch.zeros(new[] { batch, hidden }, x.dtype, x.device);
            var c = lstm ? initialC?[d] ?? torch.zeros(new[] { batch, hidden }, x.dtype, x.device) : null;
            var steps = new Tensor[time];
            for (var step = 0L; step < time; step++)
            {
                var t = backward ? time - 1 - step : step;
                if (lstm)
                {
                    (h, c) = LstmStep(projected[t], h, c!, recurrent, biases?[1]);
                }
                else
                {
                    h = GruStep(projected[t], h, recurrent, biases?[1], resetAfter);
                }

                steps[t] = h;
            }

            ys.Add(torch.stack(steps));
        }

        // Y [time, directions, batch, hidden]: every step's hidden state, directions side by side.
        return scope.MoveToOuter(torch.stack(ys, 1));
    }

    /// <summary>One LSTM step, gates (i, o, f, c): C = f ⊙ C + i ⊙ tanh(c), H = o ⊙ tanh(C), the gates i, o, f through a sigmoid.</summary>
    private static (Tensor H, Tensor C) LstmStep(Tensor projected, Tensor h, Tensor c, Tensor recurrent, Tensor? recurrentBias)
    {
        var gates = projected + h.matmul(recurrent.t());
        if (recurrentBias is not null)
        {
            gates += recurrentBias;
        }

        var g = gates.chunk(4, -1);
        var cell = (g[2].sigmoid() * c) + (g[0].sigmoid() * g[3].tanh());
        return (g[1].sigmoid() * cell.tanh(), cell);
    }

    /// <summary>
    /// One GRU step, gates (z, r, h): H = (1 − z) ⊙ ĥ + z ⊙ H, where ĥ = tanh(Wh x + Wbh + r ⊙ (Rh H + Rbh)) when the
    /// reset gate comes after the recurrent product (linear_before_reset 1, PyTorch's), else tanh(Wh x + Wbh + Rh (r ⊙ H) + Rbh).
    /// </summary>
    private static Tensor GruStep(Tensor projected, Tensor h, Tensor recurrent, Tensor? recurrentBias, bool resetAfter)
    {
        var x = projected.chunk(3, -1);
        var r = recurrent.chunk(3, 0);
        var b = recurrentBias?.chunk(3);
        Tensor Recurrent(int gate, Tensor state) => b is null ? state.matmul(r[gate].t()) : state.matmul(r[gate].t()) + b[gate];

        var update = (x[0] + Recurrent(0, h)).sigmoid();
        var reset = (x[1] + Recurrent(1, h)).sigmoid();
        var candidate = resetAfter ? (x[2] + (reset * Recurrent(2, h))).tanh() : (x[2] + Recurrent(2, reset * h)).tanh();
        return ((1 - update) * candidate) + (update * h);
    }

    /// <summary>
    /// The number of directions and the hidden size, when the node is a form computed here and its inputs fit one
    /// another as ONNX Runtime requires; otherwise null, with the reason recorded on the node.
    /// </summary>
    private static (int Directions, long Hidden)? Shapes(SampleNode n, bool lstm)
    {
        if (Unsupported(n, lstm) is { } why)
        {
            return Refuse(n, why);
        }

        var direction = n.String("direction", "forward");
        var directions = direction switch
        {
            "forward" or "reverse" => 1,
            "bidirectional" => 2,
            _ => 0,
        };
        if (directions == 0)
        {
            return Refuse(n, $"its direction '{direction}' is not forward, reverse or bidirectional");
        }

        if (n.Int("hidden_size") is not { } hidden || hidden < 1)
        {
            return Refuse(n, "it has no positive 'hidden_size' attribute, which ONNX Runtime requires");
        }

        var x = n[0];
        if (x.dim() != 3 || x.shape[0] == 0 || x.shape[1] == 0)
        {
            return Refuse(n, $"its input X has shape [{string.Join(", ", x.shape)}]; the operator takes a non-empty [time, batch, input] (layout 0)");
        }

        if (x.dtype != ScalarType.Float32)
        {
            // ONNX allows double, but ONNX Runtime's CPU kernels refuse it when the model runs.
            return Refuse(n, $"its input X is {x.dtype}; ONNX Runtime computes {n.OpType} in float32 only (\"{n.OpType} operator does not support double yet\"), so the file would not run");
        }

        var gates = lstm ? 4L : 3L;
        var batch = x.shape[1];
        var expected = new (int Index, string Name, long[] Shape)[]
        {
            (1, "W", new[] { directions, gates * hidden, x.shape[2] }),
            (2, "R", new[] { directions, gates * hidden, hidden }),
            (3, "B", new[] { directions, 2 * gates * hidden }),
            (5, "initial_h", new[] { directions, batch, hidden }),
            (6, "initial_c", new[] { directions, batch, hidden }),
        };
        foreach (var (index, name, shape) in expected)
        {
            if (n.Optional(index) is not { } value)
            {
                continue;
            }

            if (value.dtype != x.dtype)
            {
                return Refuse(n, $"its {name} is {value.dtype} and its X {x.dtype}; the operator takes one type for both (ONNX does not promote types)");
            }

            if (!value.shape.SequenceEqual(shape))
            {
                return Refuse(n, $"its {name} has shape [{string.Join(", ", value.shape)}] where {directions} direction(s), hidden_size {hidden} and X [{string.Join(", ", x.shape)}] make it [{string.Join(", ", shape)}]");
            }
        }

        return n.Refusal is null ? (directions, hidden) : null;
    }

    /// <summary>Why the node is a form not computed here: what a TorchSharp LSTM or GRU cannot compute, or ONNX Runtime refuses.</summary>
    private static string? Unsupported(SampleNode n, bool lstm)
    {
        if (n.Optional(4) is not null)
        {
            return "it has sequence_lens, which the exporter does not compute (a TorchSharp LSTM or GRU runs every sequence to its end); leave the input empty";
        }

        if (lstm && n.Optional(7) is not null)
        {
            return "it has peepholes (P), which the exporter does not compute (a TorchSharp LSTM has none); leave the input empty";
        }

        if (n.Int("layout", 0) != 0)
        {
            return "its layout is 1 (batch first), which ONNX Runtime's CPU kernels refuse; transpose the input to time first and leave layout at 0, as the exporter's own LSTM and GRU nodes do";
        }

        var named = new[] { "activations", "activation_alpha", "activation_beta", "clip", "input_forget" }.FirstOrDefault(HasAttribute);
        return named is null ? null : $"it sets '{named}', which the exporter does not compute (it computes the default activations, without clip, as a TorchSharp {(lstm ? "LSTM" : "GRU")} does)";

        bool HasAttribute(string name) => name == "input_forget" ? n.Int(name, 0) != 0 : n.Has(name);
    }

    private static (int, long)? Refuse(SampleNode n, string reason)
    {
        n.Refuse(reason);
        return null;
    }
}
