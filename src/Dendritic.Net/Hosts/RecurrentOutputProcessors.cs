using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>LSTM's (output, h_n, c_n): dendrites act on the output; the states pass through from the host.</summary>
internal sealed class LstmOutputProcessor : IOutputProcessor<(Tensor, Tensor, Tensor)>
{
    public Tensor Extract((Tensor, Tensor, Tensor) output) => output.Item1;

    public (Tensor, Tensor, Tensor) Rebuild((Tensor, Tensor, Tensor) output, Tensor selected) => (selected, output.Item2, output.Item3);
}

/// <summary>GRU's (output, h_n): dendrites act on the output; the state passes through from the host.</summary>
internal sealed class GruOutputProcessor : IOutputProcessor<(Tensor, Tensor)>
{
    public Tensor Extract((Tensor, Tensor) output) => output.Item1;

    public (Tensor, Tensor) Rebuild((Tensor, Tensor) output, Tensor selected) => (selected, output.Item2);
}

/// <summary>
/// The configuration of a TorchSharp recurrent module read from its parameters (weight_ih_l{k}, ..._reverse, bias_ih_l0)
/// and, for batch_first, which has no public getter, through <see cref="TorchSharpInternals"/>.
/// </summary>
internal sealed record RecurrentConfig(long Input, long Hidden, long Layers, bool Bias, bool BatchFirst, bool Bidirectional)
{
    public long Neurons => Hidden * (Bidirectional ? 2 : 1);

    public static RecurrentConfig Of(nn.Module module)
    {
        var parameters = module.named_parameters(recurse: false).ToDictionary(p => p.name, p => p.parameter.shape, StringComparer.Ordinal);
        if (!parameters.TryGetValue("weight_ih_l0", out var input) || !parameters.TryGetValue("weight_hh_l0", out var hidden))
        {
            throw new UnsupportedHostException(string.Empty, module.GetType().Name, $"The {module.GetType().Name} has no weight_ih_l0/weight_hh_l0 parameters, so its configuration cannot be read. Give a ModuleHost with your own copy factory.");
        }

        var layers = parameters.Keys.Count(k => k.StartsWith("weight_ih_l", StringComparison.Ordinal) && !k.EndsWith("_reverse", StringComparison.Ordinal));
        return new RecurrentConfig(input[1], hidden[1], layers, parameters.ContainsKey("bias_ih_l0"), TorchSharpInternals.RecurrentBatchFirst(module), parameters.ContainsKey("weight_ih_l0_reverse"));
    }
}
