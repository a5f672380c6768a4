using System;
using static TorchSharp.torch;

namespace Dendritic.Experiments.Tests.Support;

/// <summary>
/// A growth policy for harness tests: wraps the model with no dendrites, runs <see cref="MaxEpochs"/> epochs, adds one
/// set after <see cref="GrowAfterEpoch"/> (0: never) and calls <see cref="AfterEpoch"/> after every epoch.
/// </summary>
internal sealed class ScriptedGrowth : IGrowthPolicy
{
    public int MaxEpochs { get; init; } = 3;

    /// <summary>Whether the policy says its cap before Begin (IGrowthPolicy.MaxEpochs), so that the runner checks it.</summary>
    public bool DeclaresMaxEpochs { get; init; } = true;

    public int GrowAfterEpoch { get; init; }

    public Action<int, GrowthContext>? AfterEpoch { get; init; }

    public string Description => "scripted";

    int? IGrowthPolicy.MaxEpochs => DeclaresMaxEpochs ? MaxEpochs : null;

    public IGrowthSession Begin(nn.Module<Tensor, Tensor> model, GrowthContext context) =>
        new Session(this, model, Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 }, context.SampleInput), context);

    private sealed class Session(ScriptedGrowth policy, nn.Module<Tensor, Tensor> model, DendriticModel handle, GrowthContext context) : IGrowthSession
    {
        public nn.Module<Tensor, Tensor> Model => model;

        public DendriticModel? Handle => handle;

        public int MaxEpochs => policy.MaxEpochs;

        public GrowthStep AfterEpoch(int epoch, double validationScore)
        {
            policy.AfterEpoch?.Invoke(epoch, context);
            if (epoch != policy.GrowAfterEpoch)
            {
                return GrowthStep.Continue;
            }

            handle.AddDendrites();
            return new GrowthStep { DendritesAdded = 1 };
        }

        public void Dispose()
        {
        }
    }
}
