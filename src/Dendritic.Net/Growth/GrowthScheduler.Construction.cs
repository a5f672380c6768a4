using System;

namespace Dendritic;

/// <content>Public constructor.</content>
public sealed partial class GrowthScheduler
{
    /// <summary>
    /// A scheduler that grows every layer of <paramref name="model"/> together, logging its decisions to the
    /// handle's logger (<see cref="WrapOptions.Logger"/> or <see cref="AdoptOptions.Logger"/>).
    /// </summary>
    /// <param name="model">The handle returned by <see cref="Dendrites.Wrap"/> or <see cref="Dendrites.Adopt"/>.</param>
    /// <param name="options">Scheduler settings; <see cref="GrowthOptions.Default"/> when null. Validated here.</param>
    /// <exception cref="ArgumentException">The handle has no layers, or was unwrapped.</exception>
    /// <exception cref="InvalidOptionsException">An option is invalid; the exception lists every invalid value.</exception>
    public GrowthScheduler(DendriticModel model, GrowthOptions? options = null)
        : this(HandleOf(model), options, model.Options.Logger)
    {
    }

    private static WrappedGrowthModel HandleOf(DendriticModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.IsUnwrapped)
        {
            throw new ArgumentException("The handle was unwrapped; wrap or adopt the model again and build the scheduler on the new handle.", nameof(model));
        }

        if (model.Layers.Count == 0)
        {
            throw new ArgumentException("The wrapped model has no dendrite layers; check WrapOptions.Targets.", nameof(model));
        }

        return new WrappedGrowthModel(model);
    }
}
