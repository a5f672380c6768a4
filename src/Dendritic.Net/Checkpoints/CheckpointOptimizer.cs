using System.Collections.Generic;

namespace Dendritic;

/// <summary>
/// The optimizer state saved inside a checkpoint (format 3), as the manifest records it: which optimizer, over which
/// of the model's parameters in which order, and the SHA-256 and size of the state itself (the archive entry
/// <c>optimizer.bin</c>, in TorchSharp's <c>save_state_dict</c> format). Written by
/// <see cref="DendriteCheckpoint.Save"/> and <see cref="GrowthScheduler.SaveCheckpoint"/> when given an optimizer;
/// read back with <see cref="DendriteCheckpoint.LoadOptimizerState"/>, which checks the optimizer it loads into
/// against this record first.
/// </summary>
public sealed record CheckpointOptimizer
{
    /// <summary>The optimizer's .NET type (its full name, for example <c>TorchSharp.Modules.Adam</c>).</summary>
    public required string Type { get; init; }

    /// <summary>
    /// For each parameter group, in the optimizer's order, the state-dict keys of its parameters in the order the
    /// optimizer holds them (its state is stored in that order, so an optimizer loaded from it must list the same).
    /// </summary>
    public required IReadOnlyList<IReadOnlyList<string>> ParameterGroups { get; init; }

    /// <summary>SHA-256 of the <c>optimizer.bin</c> entry, lower-case hex; checked before the state is loaded.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Size of the <c>optimizer.bin</c> entry in bytes.</summary>
    public required long Bytes { get; init; }
}
