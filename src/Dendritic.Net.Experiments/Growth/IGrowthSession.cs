using System;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>One dendritic arm's growth, from its first epoch to its last.</summary>
public interface IGrowthSession : IDisposable
{
    /// <summary>The module to train and evaluate (the model given to the policy, or a wrapper around it).</summary>
    nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>The wrapping handle, so that costs include dendrites attached by forward hooks; null when none.</summary>
    DendriticModel? Handle { get; }

    /// <summary>The most epochs this session will ask for; the harness stops there even without <see cref="GrowthStep.Stop"/>.</summary>
    int MaxEpochs { get; }

    /// <summary>Called after each epoch with its validation score; grows the model or ends training.</summary>
    /// <param name="epoch">The epoch just finished, from 1.</param>
    /// <param name="validationScore">Its validation metric (higher is better).</param>
    /// <returns>What happened. When dendrites were added the harness rebuilds its optimizer over all parameters.</returns>
    GrowthStep AfterEpoch(int epoch, double validationScore);
}
