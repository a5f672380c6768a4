using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// What a dendrite layer computes with, as far as a captured CUDA graph depends on it (see <see cref="StructureWatch"/>).
/// Parameter and set objects are compared by reference: a move or dtype change with <c>.to()</c> replaces them, values
/// copied into them (a restore, a checkpoint loaded into the model, an optimizer step) do not.
/// </summary>
/// <param name="Attached">False once the layer's wrapper has detached it (<c>Unwrap</c>); always true for a bare <see cref="DendriteLayer"/>.</param>
/// <param name="DendritesRun">Whether the layer's forward runs its dendrites (switched on, at least one set).</param>
/// <param name="Watched">Whether an activation monitor or cascade-correlation's candidate phase watches the layer's activations.</param>
/// <param name="HostWeight">The host weight.</param>
/// <param name="Sets">Each dendrite set followed by its output scale u, in cascade order.</param>
internal readonly record struct LayerStructure(bool Attached, bool DendritesRun, bool Watched, Tensor HostWeight, object[] Sets)
{
    /// <summary>Number of dendrite sets.</summary>
    public int SetCount => Sets.Length / 2;

    /// <summary>What <paramref name="branch"/>'s layer computes with now.</summary>
    public static LayerStructure Of(DendriteBranch branch, bool attached, bool enabled, Tensor hostWeight)
    {
        var sets = new object[2 * branch.Count];
        for (var k = 0; k < branch.Count; k++)
        {
            sets[2 * k] = branch.Sets[k];
            sets[(2 * k) + 1] = branch.Sets[k].OutputScale;
        }

        return new LayerStructure(attached, enabled && branch.Count > 0, branch.Tap is not null || branch.Observer is not null, hostWeight, sets);
    }

    /// <summary>
    /// What changed from <paramref name="then"/> to <paramref name="now"/> on layer <paramref name="name"/>, as a clause
    /// for an error message; null when nothing did that a graph captured at <paramref name="then"/> depends on.
    /// </summary>
    public static string? Change(string name, LayerStructure then, LayerStructure now)
    {
        if (then.Attached && !now.Attached)
        {
            return $"layer '{name}' was unwrapped after the step was captured";
        }

        if (now.HostWeight.IsInvalid)
        {
            return $"layer '{name}' was disposed after the step was captured";
        }

        if (!ReferenceEquals(then.HostWeight, now.HostWeight))
        {
            return $"layer '{name}' has other parameters than when the step was captured (a move or dtype change with .to(), or parameters replaced)";
        }

        if (then.Watched != now.Watched)
        {
            return $"layer '{name}' is {(now.Watched ? "now" : "no longer")} watched by an activation monitor (or cascade-correlation's candidate phase)";
        }

        if (!then.DendritesRun && !now.DendritesRun)
        {
            // Neither the graph nor the model as it is now computes dendrites here: their sets do not matter.
            return null;
        }

        var sets = $"layer '{name}' had {then.SetCount} dendrite set(s) when the step was captured and has {now.SetCount} now (growth, a revert or pruning)";
        if (then.DendritesRun != now.DendritesRun)
        {
            // A layer without sets does not run dendrites either: when that is why, the sets are what changed.
            var noSets = now.DendritesRun ? then.SetCount == 0 : now.SetCount == 0;
            return noSets ? sets : $"layer '{name}' had its dendrites switched {(now.DendritesRun ? "on" : "off")} after the step was captured";
        }

        if (then.SetCount != now.SetCount)
        {
            return sets;
        }

        for (var i = 0; i < then.Sets.Length; i++)
        {
            if (!ReferenceEquals(then.Sets[i], now.Sets[i]))
            {
                return $"layer '{name}' has other dendrite sets or dendrite parameters than when the step was captured (sets removed and added, pruned, or moved with .to())";
            }
        }

        return null;
    }
}
