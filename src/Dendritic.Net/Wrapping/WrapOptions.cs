using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dendritic;

/// <summary>How <see cref="Dendrites.Wrap"/> adds dendrites to a model. Immutable; validated once when wrapping.</summary>
public sealed record WrapOptions
{
    /// <summary>The options <see cref="Dendrites.Wrap"/> uses when given none: every value at its documented default.</summary>
    public static WrapOptions Default { get; } = new();

    /// <summary>Which layers get dendrites. Default <see cref="LayerSelector.AllSupported"/>.</summary>
    public LayerSelector Targets { get; init; } = LayerSelector.AllSupported;

    /// <summary>
    /// Dendrite sets added to every target layer at once (0 or more). Default 1. A <see cref="GrowthScheduler"/> grows
    /// from the sets the model has when it is built, so set 0 when it should add every set itself (its
    /// <see cref="GrowthOptions.MaxDendrites"/> counts the sets wrapped here too).
    /// </summary>
    public int InitialDendrites { get; init; } = 1;

    /// <summary>How the dendrites compute. Default <see cref="DendriteOptions.Default"/>.</summary>
    public DendriteOptions Dendrite { get; init; } = DendriteOptions.Default;

    /// <summary>
    /// Whether layers held in fields typed as the concrete layer (which cannot be replaced) may get their dendrites
    /// through a forward hook. Default true. When false, such a layer is an error.
    /// </summary>
    public bool AllowHooks { get; init; } = true;

    /// <summary>
    /// How to copy modules other than Linear and convolutions that the targets name (by name, type or predicate), tried
    /// before a module's <see cref="IDendriteHost"/> and the built-ins (<see cref="ModuleHost.BuiltIn"/>: Embedding,
    /// LayerNorm, LSTM, GRU). Default empty. The list is copied when set, so changing yours afterwards changes nothing here.
    /// </summary>
    public IReadOnlyList<ModuleHost> ModuleHosts { get; init => field = ValueList<ModuleHost>.CopyOf(value); } = ValueList<ModuleHost>.Empty;

    /// <summary>Where wrapping, growth and checkpoint events are logged. Default <see cref="NullLogger.Instance"/>.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Checks every value, and the nested <see cref="Dendrite"/> options, and reports all invalid ones at once.</summary>
    /// <returns>This instance.</returns>
    /// <exception cref="InvalidOptionsException">One or more values are invalid; the exception lists each.</exception>
    public WrapOptions Validate()
    {
        var check = new OptionsValidator(nameof(WrapOptions));
        Collect(check);
        check.ThrowIfInvalid();
        return this;
    }

    /// <summary>
    /// Adds every invalid value to <paramref name="check"/>, for a record that builds or holds these options (reported
    /// as <c>Prefix.Name</c> under a nested validator). The harness's <c>HarnessWrapOptions</c> checks the options it
    /// builds through this, so that the rules live here only.
    /// </summary>
    internal void Collect(OptionsValidator check)
    {
        check.NotNull(Targets, nameof(Targets), "LayerSelector.AllSupported");
        check.AtLeast(InitialDendrites, 0, nameof(InitialDendrites), Default.InitialDendrites);
        if (check.NotNull(Dendrite, nameof(Dendrite), "DendriteOptions.Default"))
        {
            Dendrite.Collect(check.Nested(nameof(Dendrite)));
        }

        if (check.NotNull(ModuleHosts, nameof(ModuleHosts), "empty"))
        {
            check.Require(ModuleHosts.All(h => h is not null), nameof(ModuleHosts), "a list with null entries", "must not contain null (default: empty)");
        }

        check.NotNull(Logger, nameof(Logger), "NullLogger.Instance");
    }
}
