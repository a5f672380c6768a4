using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// Issue #10's TorchScript route, as a probe: the cascade as one TorchScript function per set count, compiled from
/// C# with <c>torch.jit.compile</c> and registered like any <see cref="ICascadeKernel"/>. libtorch's profiling executor
/// runs it, and on CUDA its TensorExpr fuser turns the element-wise chain into generated kernels and derives their
/// backward; on the CPU (no fuser by default) it runs the same operations one by one from C++.
/// </summary>
internal sealed class ScriptedCascade : ICascadeKernel
{
    private readonly Dictionary<(int Sets, int Trailing, DendriteActivation Activation), jit.CompilationUnit> _units = new();

    /// <inheritdoc />
    public Tensor? TryCombine(CascadeInputs inputs)
    {
        var sets = inputs.PreActivations.Count;
        var trailing = (int)inputs.HostOutput.dim() - 1 - inputs.NeuronAxis;
        if (inputs.Activation == DendriteActivation.HardSigmoid)
        {
            return null;
        }

        var key = (sets, trailing, inputs.Activation);
        if (!_units.TryGetValue(key, out var unit))
        {
            unit = jit.compile(Source(sets, trailing, inputs.Activation));
            _units[key] = unit;
        }

        var args = new List<object> { inputs.HostOutput };
        args.AddRange(inputs.PreActivations);
        args.AddRange(inputs.OutputScales);
        args.AddRange(inputs.CascadeWeights.Skip(1).Select(v => (object)v!));
        return unit.invoke<Tensor>("cascade", args.ToArray());
    }

    /// <summary>The straight-line TorchScript source of the cascade for one set count.</summary>
    /// <param name="sets">The number of sets, at least 1.</param>
    /// <param name="trailing">How many axes follow the neuron axis (0 for Linear, 2 for Conv2d).</param>
    /// <param name="activation">Sigmoid or Tanh.</param>
    internal static string Source(int sets, int trailing, DendriteActivation activation)
    {
        var parameters = new List<string> { "h: Tensor" };
        parameters.AddRange(Enumerable.Range(0, sets).Select(k => $"p{k}: Tensor"));
        parameters.AddRange(Enumerable.Range(0, sets).Select(k => $"u{k}: Tensor"));
        parameters.AddRange(Enumerable.Range(1, sets - 1).Select(k => $"v{k}: Tensor"));
        var source = new StringBuilder("def cascade(").Append(string.Join(", ", parameters)).Append(") -> Tensor:\n");
        AppendCascade(source, sets, k => $"p{k}", PerNeuron(trailing), Function(activation));
        return source.ToString();
    }

    /// <summary>Appends a0 = f(pre 0), a1 = f(pre 1 + v1[0] a0), ... and the return of h + sum u_k a_k.</summary>
    internal static void AppendCascade(StringBuilder source, int sets, System.Func<int, string> pre, string perNeuron, string function)
    {
        for (var k = 0; k < sets; k++)
        {
            var sum = pre(k) + string.Concat(Enumerable.Range(0, k).Select(i => $" + v{k}[{i}]{perNeuron} * a{i}"));
            source.Append(CultureInfo.InvariantCulture, $"    a{k} = {function}({sum})\n");
        }

        source.Append("    return h").Append(string.Concat(Enumerable.Range(0, sets).Select(k => $" + u{k}{perNeuron} * a{k}"))).Append('\n');
    }

    /// <summary>The view that broadcasts a per-neuron vector against the output: none for Linear, [-1, 1, 1] for Conv2d.</summary>
    internal static string PerNeuron(int trailing) => trailing == 0 ? "" : ".view([-1" + string.Concat(Enumerable.Repeat(", 1", trailing)) + "])";

    private static string Function(DendriteActivation activation) => activation == DendriteActivation.Tanh ? "torch.tanh" : "torch.sigmoid";
}
