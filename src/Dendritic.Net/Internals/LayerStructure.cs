using System;
using System.Collections.Generic;
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
/// <param name="HostTrains">Whether the host weight and, if there is one, the host bias require gradients, in that order.</param>
/// <param name="SetsTrain">Whether each set's parameters require gradients, set by set in the order of their <c>parameters()</c>.</param>
internal readonly record struct LayerStructure(bool Attached, bool DendritesRun, bool Watched, Tensor HostWeight, object[] Sets, bool[] HostTrains, bool[] SetsTrain)
{
    /// <summary>
    /// Whether autograd recorded the layer (a run with gradients on) in the recorded step; only then does a graph depend
    /// on which of its parameters require gradients. Set by <see cref="StructureWatch.Record"/>; false otherwise.
    /// </summary>
    public bool Trained { get; init; }

    /// <summary>Number of dendrite sets.</summary>
    public int SetCount => Sets.Length / 2;

    /// <summary>What <paramref name="branch"/>'s layer computes with now.</summary>
    /// <param name="branch">The layer's dendrites.</param>
    /// <param name="attached">Whether the layer is still attached to its model.</param>
    /// <param name="enabled">Whether its dendrites are switched on.</param>
    /// <param name="hostWeight">The host weight (a module host's first parameter).</param>
    /// <param name="hostBias">The host bias; null when the host has none (or is a module).</param>
    public static LayerStructure Of(DendriteBranch branch, bool attached, bool enabled, Tensor hostWeight, Tensor? hostBias)
    {
        var sets = new object[2 * branch.Count];
        var setsTrain = new List<bool>(4 * branch.Count);
        for (var k = 0; k < branch.Count; k++)
        {
            sets[2 * k] = branch.Sets[k];
            sets[(2 * k) + 1] = branch.Sets[k].OutputScale;
            foreach (var parameter in branch.Sets[k].parameters())
            {
                setsTrain.Add(parameter.requires_grad);
            }
        }

        // A disposed host is reported by Change; its flags cannot be read.
        var hostTrains = hostWeight.IsInvalid ? Array.Empty<bool>()
            : hostBias is null ? new[] { hostWeight.requires_grad } : new[] { hostWeight.requires_grad, hostBias.requires_grad };
        return new LayerStructure(attached, enabled && branch.Count > 0, branch.Tap is not null || branch.Observer is not null, hostWeight, sets, hostTrains, setsTrain.ToArray());
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

        if (then.Trained && !then.HostTrains.AsSpan().SequenceEqual(now.HostTrains))
        {
            return $"layer '{name}' has its host {Trainability(now.HostTrains)} now, not as when the step was captured (requires_grad changed: the captured backward computes the gradients it computed then)";
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

        if (then.Trained && !then.SetsTrain.AsSpan().SequenceEqual(now.SetsTrain))
        {
            return $"layer '{name}' has dendrite parameters frozen or unfrozen since the step was captured (requires_grad changed: the captured backward computes the gradients it computed then)";
        }

        return null;
    }

    private static string Trainability(bool[] hostTrains) => hostTrains switch
    {
        [true] or [true, true] => "training",
        [false] or [false, false] => "frozen",
        _ => "weight " + (hostTrains[0] ? "training" : "frozen") + " and bias " + (hostTrains[1] ? "training" : "frozen"),
    };
}
