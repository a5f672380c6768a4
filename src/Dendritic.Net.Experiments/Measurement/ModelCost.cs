using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// Parameter and FLOP counts of a model. FLOPs count 2 per multiply-accumulate of every Linear and Conv1d/2d/3d layer
/// and every dendrite set (the same product over a host-shaped weight), 1 per bias addition, and 2 per output-scale
/// (u) and cascade (v) multiply-add of the dendrites. Activations, pooling, normalisation and other element-wise
/// operations are not counted, for any arm.
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
    /// <returns>FLOPs per sample.</returns>
    public static double FlopsPerSample(nn.Module<Tensor, Tensor> model, Tensor sampleBatch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sampleBatch);
        double total = 0;
        var removers = new List<Action>();
        foreach (var module in model.modules().Prepend(model))
        {
            if (module is not nn.Module<Tensor, Tensor> layer || !IsCounted(module))
            {
                continue;
            }

            var hook = layer.register_forward_hook((m, _, output) =>
            {
                total += LayerFlops(m, output);
                return output;
            });
            removers.Add(hook.remove);
        }

        var wasTraining = model.training;
        try
        {
            model.eval();
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            model.call(sampleBatch);
        }
        finally
        {
            foreach (var remove in removers)
            {
                remove();
            }

            model.train(wasTraining);
        }

        return total / sampleBatch.shape[0];
    }

    private static bool IsCounted(nn.Module module) => module is DendriteLayer || HostLayerSpec.IsSupported(module);

    private static double LayerFlops(nn.Module module, Tensor output)
    {
        var (spec, dendrites) = module is DendriteLayer d
            ? (d.Spec, d.Enabled ? d.DendriteCount : 0)
            : (HostLayerSpec.From(module), 0);
        double outputs = output.numel(); // batch × neurons × positions
        var host = (2.0 * spec.FanIn * outputs) + (spec.HasBias ? outputs : 0);
        if (dendrites == 0)
        {
            return host;
        }

        // Each set repeats the host's product, then scales by u (2 per output) and reads k earlier sets through v.
        var cascade = 0.0;
        for (var k = 0; k < dendrites; k++)
        {
            cascade += 2.0 * k * outputs;
        }

        return host + (dendrites * (host + (2.0 * outputs))) + cascade;
    }
}
