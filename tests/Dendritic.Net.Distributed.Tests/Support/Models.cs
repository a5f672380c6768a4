using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Distributed.Tests.Support;

/// <summary>Small models and data for the protocol tests.</summary>
internal static class Models
{
    public static nn.Module<Tensor, Tensor> Mlp() =>
        nn.Sequential(("fc1", nn.Linear(4, 6)), ("act", nn.Tanh()), ("fc2", nn.Linear(6, 3)));

    public static DendriticModel Wrapped(nn.Module model) => Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });

    /// <summary>Rules that grow on the first score that does not improve (minimising).</summary>
    public static GrowthOptions EagerRules { get; } = new()
    {
        Mode = ScoreMode.Minimize,
        PlateauAtPatience = false,
        PatienceAgainstCycleBest = false,
        FirstScoreIsBest = true,
        Patience = 0,
        MaxRetries = 1,
    };

    /// <summary>Every parameter's values, flattened, in order.</summary>
    public static double[] Values(nn.Module model)
    {
        using var scope = NewDisposeScope();
        return model.parameters().SelectMany(p => p.detach().to(ScalarType.Float64).cpu().data<double>().ToArray()).ToArray();
    }

    public static void CopyInto(nn.Module target, IReadOnlyList<Tensor> values)
    {
        using var noGrad = no_grad();
        foreach (var (p, v) in target.parameters().Zip(values))
        {
            p.copy_(v);
        }
    }
}
