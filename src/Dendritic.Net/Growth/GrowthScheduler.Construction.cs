using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Dendritic;

/// <content>Public constructors.</content>
public sealed partial class GrowthScheduler
{
    /// <summary>
    /// A scheduler for a model whose layers were wrapped by hand in <see cref="DendriteLayer"/>s, growing every one of
    /// them (or the ones given). Models wrapped by <see cref="Dendrites.Wrap"/> use the constructor.
    /// </summary>
    /// <param name="model">The model whose layers were wrapped with <see cref="DendriteLayer"/>.</param>
    /// <param name="options">Scheduler settings; <see cref="GrowthOptions.Default"/> when null. Validated here.</param>
    /// <param name="logger">Where decisions are logged; none when null.</param>
    /// <param name="layers">The layers to grow; every <see cref="DendriteLayer"/> of <paramref name="model"/> when null.</param>
    /// <exception cref="ArgumentException">The model has no dendrite layers (wrap it first), or the layers repeat.</exception>
    /// <exception cref="InvalidOptionsException">An option is invalid; the exception lists every invalid value.</exception>
    /// <returns>The scheduler.</returns>
    public static GrowthScheduler ForLayers(nn.Module model, GrowthOptions? options = null, ILogger? logger = null, IEnumerable<DendriteLayer>? layers = null) =>
        new(ModelOf(model, layers), options, logger);

    /// <summary>A scheduler that grows every wrapped layer of <paramref name="model"/> together.</summary>
    /// <param name="model">The handle returned by <see cref="Dendrites.Wrap"/>.</param>
    /// <param name="options">Scheduler settings; <see cref="GrowthOptions.Default"/> when null. Validated here.</param>
    /// <param name="logger">Where decisions are logged; none when null.</param>
    /// <exception cref="ArgumentException">The handle has no wrapped layers.</exception>
    /// <exception cref="InvalidOptionsException">An option is invalid; the exception lists every invalid value.</exception>
    public GrowthScheduler(DendriticModel model, GrowthOptions? options = null, ILogger? logger = null)
        : this(HandleOf(model), options, logger)
    {
    }

    private static WrappedGrowthModel HandleOf(DendriticModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Layers.Count == 0)
        {
            throw new ArgumentException("The wrapped model has no dendrite layers; check WrapOptions.Targets.", nameof(model));
        }

        return new WrappedGrowthModel(model);
    }

    private static LayerGrowthModel ModelOf(nn.Module model, IEnumerable<DendriteLayer>? layers)
    {
        ArgumentNullException.ThrowIfNull(model);
        var list = (layers ?? (model is DendriteLayer self ? new[] { self } : model.modules().OfType<DendriteLayer>())).ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException($"The model ({model.GetType().Name}) has no dendrite layers: wrap it (Dendrites.Wrap, or DendriteLayer around its Linear/Conv layers) before building the GrowthScheduler.", nameof(model));
        }

        if (list.Distinct().Count() != list.Count)
        {
            throw new ArgumentException("The same DendriteLayer is listed twice.", nameof(layers));
        }

        return new LayerGrowthModel(model, list);
    }
}
