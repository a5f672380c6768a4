using System;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// Parameter and FLOP counts of a model, counted by the library's one FLOP counter, as <see cref="DendriticModel.Report"/> counts them (docs/concepts.md): per
/// output position, a Linear or Conv1d/2d/3d layer costs 2 × fan-in × outputs plus outputs for the bias, and dendrite
/// set k adds the same projection plus (2k + 3) × outputs; positions per sample are summed over every call. Other
/// operations (activations of the host network, pooling, normalisation) are not counted, for any arm alike.
/// </summary>
public static class ModelCost
{
    /// <summary>Number of scalars in all parameters of <paramref name="model"/>, trainable or not.</summary>
    /// <param name="model">The model.</param>
    /// <returns>The count.</returns>
    public static long Parameters(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.parameters().Sum(p => p.numel());
    }

    /// <summary>FLOPs of one forward pass per sample, measured by running <paramref name="sampleBatch"/> through the model.</summary>
    /// <param name="model">The model; it must call its layers through <c>call()</c>, as TorchSharp modules normally do.</param>
    /// <param name="sampleBatch">A batch of inputs (first dimension = samples) on the model's device.</param>
    /// <param name="handle">The wrapping handle when the model was wrapped, so that dendrites attached by forward hooks count too.</param>
    /// <returns>FLOPs per sample; NaN (unknown) if a counted layer's FLOPs are not modelled, which no Linear, convolution or <see cref="DendriteLayer"/> is.</returns>
    public static double FlopsPerSample(nn.Module<Tensor, Tensor> model, Tensor sampleBatch, DendriticModel? handle = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sampleBatch);
        // The same hooks as the report's count of the layers without dendrites (LayerFlopTally), here on every layer.
        var tally = LayerFlopTally.Attach(model.modules().Prepend(model), sampleBatch.shape[0]);
        var modes = EvalModeScope.Enter(model);
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            model.call(sampleBatch);
        }
        finally
        {
            tally.Dispose();
            modes.Dispose();
        }

        var positions = tally.Positions;
        var total = tally.HostFlopsPerSample;
        foreach (var (layer, count) in positions)
        {
            if (layer is DendriteLayer { Enabled: true } dendritic)
            {
                total += count * FlopCounter.DendriteFlopsPerPosition(dendritic.Spec, dendritic.DendriteCount);
            }
        }

        if (handle is not null)
        {
            // Dendrites attached by a forward hook sit beside their host, which the hooks above counted as a plain layer.
            var byName = model.named_modules().ToDictionary(m => m.Item1, m => m.Item2);
            foreach (var layer in handle.Layers.Where(l => l.Mode == AttachMode.Hooked && l.Enabled))
            {
                if (byName.TryGetValue(layer.Name, out var host) && positions.TryGetValue(host, out var count))
                {
                    total += count * FlopCounter.DendriteFlopsPerPosition(layer.Spec, layer.DendriteCount);
                }
            }
        }

        return total ?? double.NaN;
    }
}
