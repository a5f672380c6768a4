using System;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dendritic;

/// <summary>How <see cref="Dendrites.Wrap"/> adds dendrites to a model. Immutable; validated once when wrapping.</summary>
public sealed record WrapOptions
{
    /// <summary>Which layers get dendrites. Default <see cref="LayerSelector.AllSupported"/>.</summary>
    public LayerSelector Targets { get; init; } = LayerSelector.AllSupported;

    /// <summary>
    /// Dendrite sets added to every target layer at once (0 or more). Default 1. The growth scheduler starts from 0
    /// and adds sets itself.
    /// </summary>
    public int InitialDendrites { get; init; } = 1;

    /// <summary>How the dendrites compute. Default <see cref="DendriteOptions.Default"/>.</summary>
    public DendriteOptions Dendrite { get; init; } = DendriteOptions.Default;

    /// <summary>
    /// Whether layers held in fields typed as the concrete layer (which cannot be replaced) may get their dendrites
    /// through a forward hook. Default true. When false, such a layer is an error.
    /// </summary>
    public bool AllowHooks { get; init; } = true;

    /// <summary>Where wrapping, growth and checkpoint events are logged. Default <see cref="NullLogger.Instance"/>.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Checks every value; throws <see cref="ArgumentOutOfRangeException"/> or <see cref="ArgumentNullException"/> naming the bad one.</summary>
    /// <returns>This instance.</returns>
    public WrapOptions Validate()
    {
        if (Targets is null)
        {
            throw new ArgumentNullException(nameof(Targets), "WrapOptions.Targets must be set (default LayerSelector.AllSupported).");
        }

        if (InitialDendrites < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(InitialDendrites), InitialDendrites, "InitialDendrites must be 0 or more (default 1).");
        }

        if (Dendrite is null)
        {
            throw new ArgumentNullException(nameof(Dendrite), "WrapOptions.Dendrite must be set (default DendriteOptions.Default).");
        }

        if (Logger is null)
        {
            throw new ArgumentNullException(nameof(Logger), "WrapOptions.Logger must be set (default NullLogger.Instance).");
        }

        Dendrite.Validate();
        return this;
    }
}
