using System;
using System.Linq;

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
    /// <exception cref="ArgumentException">The handle has no layers.</exception>
    /// <exception cref="InvalidOperationException">The handle was unwrapped (<see cref="DendriticModel.Unwrap"/>); wrap or adopt the model again and build the scheduler on the new handle.</exception>
    /// <exception cref="InvalidOptionsException">An option is invalid; the exception lists every invalid value.</exception>
    /// <exception cref="UnsupportedHostException">Cascade-correlation training was asked for on a model with a module host (<see cref="HostKind.Module"/>), which it does not support.</exception>
    public GrowthScheduler(DendriticModel model, GrowthOptions? options = null)
        : this(HandleOf(model, options), options, model.Options.Logger)
    {
        // Two schedulers stepping one handle would both add, revert and restore its dendrites. One built and dropped
        // before its first Step, or one that has completed, is not in the way.
        if (model.Scheduler is { IsCompleted: false } earlier && earlier.History.Entries.Count > 0)
        {
            GrowthLog.SecondScheduler(_logger, earlier.History.Entries.Count);
        }

        model.Scheduler = this;
    }

    private static WrappedGrowthModel HandleOf(DendriticModel model, GrowthOptions? options)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.ThrowIfUnwrapped();

        if (model.Layers.Count == 0)
        {
            throw new ArgumentException("The wrapped model has no dendrite layers; check WrapOptions.Targets.", nameof(model));
        }

        if (options?.Training == DendriteTrainingMode.CascadeCorrelation && model.Layers.FirstOrDefault(l => l.Spec.Kind == HostKind.Module) is { } moduleHost)
        {
            // The candidate pool copies weight rows between candidates, which a module host's copies do not have.
            throw new UnsupportedHostException(moduleHost.Name, moduleHost.Spec.ModuleType, $"Layer '{moduleHost.Name}' is a module host ({moduleHost.Spec.ModuleType}), which cascade-correlation training (DendriteTrainingMode.CascadeCorrelation) does not support. Use DendriteTrainingMode.GradientDescent (the default), or leave it out of the targets.");
        }

        return new WrappedGrowthModel(model);
    }
}
