using System.Collections.Generic;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dendritic.Experiments;

/// <summary>
/// How a growth policy of the harness wraps the dendritic arm's model with <see cref="Dendrites.Wrap"/>: the part of
/// <see cref="WrapOptions"/> the harness honours. The rest is the harness's own: every arm starts as the plain model
/// (<see cref="WrapOptions.InitialDendrites"/> 0; the policy adds every set), and the wrapper logs to
/// <see cref="ExperimentOptions.Logger"/>. Immutable (the list is copied when set); validated with the policy's options.
/// </summary>
public sealed record HarnessWrapOptions
{
    /// <summary>Every value at its default: every Linear and convolution, the library's dendrites.</summary>
    public static HarnessWrapOptions Default { get; } = new();

    /// <summary>Which layers get dendrites. Default <see cref="LayerSelector.AllSupported"/>.</summary>
    public LayerSelector Targets { get; init; } = LayerSelector.AllSupported;

    /// <summary>How the dendrites compute. Default <see cref="DendriteOptions.Default"/>.</summary>
    public DendriteOptions Dendrite { get; init; } = DendriteOptions.Default;

    /// <summary>
    /// Whether layers held in fields typed as the concrete layer may get their dendrites through a forward hook
    /// (<see cref="WrapOptions.AllowHooks"/>). Default true.
    /// </summary>
    public bool AllowHooks { get; init; } = true;

    /// <summary>
    /// How to copy modules other than Linear and convolutions that the targets name (<see cref="WrapOptions.ModuleHosts"/>).
    /// Default empty. The list is copied when set.
    /// </summary>
    public IReadOnlyList<ModuleHost> ModuleHosts { get; init => field = ValueList<ModuleHost>.CopyOf(value); } = ValueList<ModuleHost>.Empty;

    /// <summary>Checks every value, and the nested <see cref="Dendrite"/> options, and reports all invalid ones at once.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="InvalidOptionsException">One or more values are invalid; the exception lists each.</exception>
    public HarnessWrapOptions Validate()
    {
        var check = new OptionsValidator(nameof(HarnessWrapOptions));
        Collect(check);
        check.ThrowIfInvalid();
        return this;
    }

    /// <summary>
    /// Adds every invalid value to <paramref name="check"/> (a policy's options report them as <c>Wrap.Name</c>). The
    /// rules are <see cref="WrapOptions"/>'s own, applied to the options the policy wraps with: the properties share
    /// their names, and the two the harness sets itself (no initial dendrites, a logger) are valid by construction.
    /// </summary>
    internal void Collect(OptionsValidator check) => ToWrapOptions(NullLogger.Instance).Collect(check);

    /// <summary>The options the policy wraps with: these, no initial dendrites, and the experiment's logger.</summary>
    internal WrapOptions ToWrapOptions(ILogger logger) => new()
    {
        Targets = Targets,
        InitialDendrites = 0,
        Dendrite = Dendrite,
        AllowHooks = AllowHooks,
        ModuleHosts = ModuleHosts,
        Logger = logger,
    };
}
