namespace Dendritic;

/// <summary>
/// What a dendrite layer computes with, as far as a captured CUDA graph depends on it: whether its dendrites run, how
/// many sets it has, its branch's structure version (changed by every addition or removal of sets) and the host weight
/// object (replaced by a move or dtype change with <c>.to()</c>). See <see cref="StructureWatch"/>.
/// </summary>
/// <param name="DendritesRun">Whether the layer's forward runs its dendrites (switched on, at least one set).</param>
/// <param name="Sets">Number of dendrite sets.</param>
/// <param name="BranchVersion">The branch's <see cref="DendriteBranch.Version"/>.</param>
/// <param name="HostWeight">The host weight's Parameter object, compared by reference; null where there is none to compare.</param>
internal readonly record struct LayerStructure(bool DendritesRun, int Sets, long BranchVersion, object? HostWeight)
{
    /// <summary>
    /// What changed from <paramref name="then"/> to <paramref name="now"/> on layer <paramref name="name"/>, as a clause
    /// for an error message; null when nothing did.
    /// </summary>
    public static string? Change(string name, LayerStructure then, LayerStructure now)
    {
        if (then.Sets != now.Sets)
        {
            return $"layer '{name}' had {then.Sets} dendrite set(s) when the step was captured and has {now.Sets} now (growth, a revert or pruning)";
        }

        if (then.BranchVersion != now.BranchVersion)
        {
            return $"layer '{name}' has other dendrite sets than when the step was captured (sets were removed and added, or pruned)";
        }

        if (then.DendritesRun != now.DendritesRun)
        {
            return $"layer '{name}' had its dendrites switched {(now.DendritesRun ? "on" : "off")} after the step was captured";
        }

        return ReferenceEquals(then.HostWeight, now.HostWeight)
            ? null
            : $"layer '{name}' has other parameters than when the step was captured (a move or dtype change with .to(), or parameters replaced)";
    }
}
