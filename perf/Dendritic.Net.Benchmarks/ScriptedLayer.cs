using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// Issue #10's TorchScript route for a whole layer, as a probe: the host's product, every set's product and the
/// cascade of a float Linear or 3x3, padding-1 Conv2d <see cref="DendriteLayer"/> (sigmoid, with biases) in one
/// TorchScript function, called once per forward with the layer's own parameters. The layer is a submodule, so that a
/// training step clears its gradients.
/// </summary>
internal sealed class ScriptedLayer : nn.Module<Tensor, Tensor>
{
    private readonly jit.CompilationUnit _unit;
    private readonly Tensor[] _arguments;

    public ScriptedLayer(DendriteLayer layer) : base(nameof(ScriptedLayer))
    {
        var sets = layer.Branch.Sets;
        _unit = jit.compile(Source(sets.Count, layer.Spec.Kind == HostKind.Linear));
        _arguments = new Tensor[] { layer.Weight, layer.Bias! }
            .Concat(sets.Select(s => (Tensor)s.Weight))
            .Concat(sets.Select(s => (Tensor)s.Bias!))
            .Concat(sets.Select(s => (Tensor)s.OutputScale))
            .Concat(sets.Skip(1).Select(s => (Tensor)s.CascadeWeights!))
            .ToArray();
        register_module("layer", layer);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => _unit.invoke<Tensor>("layer", _arguments.Prepend(input).Cast<object>().ToArray());

    /// <summary>The TorchScript source for <paramref name="sets"/> sets on a Linear or a 3x3, padding-1 Conv2d host.</summary>
    internal static string Source(int sets, bool linear)
    {
        string Product(string w, string b) => linear ? $"torch.addmm({b}, x, {w}.t())" : $"torch.conv2d(x, {w}, {b}, [1, 1], [1, 1])";
        var parameters = new List<string> { "x: Tensor", "w: Tensor", "b: Tensor" };
        parameters.AddRange(Enumerable.Range(0, sets).Select(k => $"w{k}: Tensor"));
        parameters.AddRange(Enumerable.Range(0, sets).Select(k => $"b{k}: Tensor"));
        parameters.AddRange(Enumerable.Range(0, sets).Select(k => $"u{k}: Tensor"));
        parameters.AddRange(Enumerable.Range(1, sets - 1).Select(k => $"v{k}: Tensor"));
        var source = new StringBuilder("def layer(").Append(string.Join(", ", parameters)).Append(") -> Tensor:\n");
        source.Append("    h = ").Append(Product("w", "b")).Append('\n');
        ScriptedCascade.AppendCascade(source, sets, k => Product($"w{k}", $"b{k}"), ScriptedCascade.PerNeuron(linear ? 0 : 2), "torch.sigmoid");
        return source.ToString();
    }
}
