using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Forward hooks that tally, over one forward pass, each given layer's output positions per sample
/// (<see cref="FlopCounter.PositionsPerSample"/>, summed over its calls) and so its host FLOPs. The one way both
/// <see cref="DendriticModel.Report"/> (for the layers that carry no dendrites, in the check pass) and the experiment
/// harness (for every layer) count layers by hooks, so that their figures agree. Dispose it to remove the hooks.
/// </summary>
internal sealed class LayerFlopTally : IDisposable
{
    private readonly Dictionary<nn.Module, long> _positions = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<nn.Module, HostLayerSpec> _specs = new(ReferenceEqualityComparer.Instance);
    private readonly List<Action> _removers = [];

    private LayerFlopTally()
    {
    }

    /// <summary>Output positions per sample of each layer that ran, summed over its calls.</summary>
    public IReadOnlyDictionary<nn.Module, long> Positions => _positions;

    /// <summary>
    /// Host FLOPs per sample of every layer that ran (a <see cref="DendriteLayer"/>'s host alone); null if one's FLOPs
    /// were unknown, which the layers it hooks (Linear, convolutions) never are.
    /// </summary>
    public long? HostFlopsPerSample => FlopFigures.Sum(_positions.Select(p => p.Value * FlopCounter.HostFlopsPerPosition(_specs[p.Key])));

    /// <summary>Hooks every Linear, Conv1d/2d/3d or <see cref="DendriteLayer"/> among <paramref name="layers"/>; others are skipped.</summary>
    /// <param name="layers">The layers to count.</param>
    /// <param name="samples">Samples in the batch the forward pass will see (the model input's first dimension); null to read them from each output's first dimension.</param>
    /// <returns>The tally, counting from now on.</returns>
    public static LayerFlopTally Attach(IEnumerable<nn.Module> layers, long? samples) => Attach(layers, () => samples);

    /// <summary>Hooks every Linear, Conv1d/2d/3d or <see cref="DendriteLayer"/> among <paramref name="layers"/>; others are skipped.</summary>
    /// <param name="layers">The layers to count.</param>
    /// <param name="samples">
    /// Asked at each call for the samples in the batch then running (<see cref="CheckPassSamples.Current"/>); null
    /// answers read them from each output's first dimension.
    /// </param>
    /// <returns>The tally, counting from now on.</returns>
    public static LayerFlopTally Attach(IEnumerable<nn.Module> layers, Func<long?> samples)
    {
        var tally = new LayerFlopTally();
        foreach (var module in layers)
        {
            if (module is not nn.Module<Tensor, Tensor> layer || tally._specs.ContainsKey(module) || !(module is DendriteLayer || HostLayerSpec.IsSupported(module)))
            {
                continue;
            }

            var spec = module is DendriteLayer dendritic ? dendritic.Spec : HostLayerSpec.ForCounting(module);
            tally._specs[module] = spec;
            var hook = layer.register_forward_hook((_, _, output) =>
            {
                tally._positions[module] = tally._positions.GetValueOrDefault(module) + FlopCounter.PositionsPerSample(spec, output, samples());
                return output;
            });
            tally._removers.Add(hook.remove);
        }

        return tally;
    }

    /// <summary>
    /// The Linear and Conv1d/2d/3d layers of a wrapped model that carry no dendrites: every one that is neither a
    /// wrapped layer (or inside one: a module host's own layers, whose cost is not modelled) nor part of the dendrites.
    /// </summary>
    /// <param name="model">The wrapped model.</param>
    /// <param name="attachments">Its wrapped layers.</param>
    /// <returns>The layers, in model order.</returns>
    public static IReadOnlyList<nn.Module> Unwrapped(nn.Module model, IReadOnlyList<LayerAttachment> attachments)
    {
        if (attachments.Any(a => a.Path.Length == 0))
        {
            return [];   // the model itself is the wrapped layer
        }

        var wrapped = attachments.Select(a => a.Path).ToHashSet(StringComparer.Ordinal);
        var modules = model.named_modules().ToList();
        var excluded = new HashSet<nn.Module>(ReferenceEqualityComparer.Instance);
        foreach (var module in modules.Where(m => wrapped.Contains(m.name) || m.module is DendriteLayer or DendriteBranch or DendriteHookContainer).Select(m => m.module))
        {
            excluded.Add(module);
            excluded.UnionWith(module.modules());
        }

        var layers = modules.Select(m => m.module).Where(m => HostLayerSpec.IsSupported(m) && !excluded.Contains(m)).ToList();
        return layers;
    }

    /// <summary>
    /// The names, in model order, of the hooked layers whose hook never fired: not run, or run with .forward(), which
    /// skips forward hooks (only .call() fires them), so that their FLOPs were counted as 0.
    /// </summary>
    /// <param name="model">The model the layers belong to, for their names.</param>
    /// <returns>The names; empty when every hooked layer ran.</returns>
    public IReadOnlyList<string> NotSeen(nn.Module model) =>
        model.named_modules().Where(m => _specs.ContainsKey(m.module) && !_positions.ContainsKey(m.module)).Select(m => m.name).ToList();

    /// <summary>Removes the hooks; the tally keeps what it counted.</summary>
    public void Dispose()
    {
        foreach (var remove in _removers)
        {
            remove();
        }

        _removers.Clear();
    }
}
