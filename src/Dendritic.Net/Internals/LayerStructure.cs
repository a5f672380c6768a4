using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;
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
/// <param name="HostWeight">The host weight (a module host's first parameter).</param>
/// <param name="HostBias">The host bias; null for a host without one and for a module host (whose parameters are compared only through its first).</param>
/// <param name="Sets">Each dendrite set followed by its output scale u, in cascade order.</param>
internal readonly record struct LayerStructure(bool Attached, bool DendritesRun, bool Watched, Tensor HostWeight, Tensor? HostBias, object[] Sets)
{
    /// <summary>
    /// Whether autograd recorded the layer (a run with gradients on) in the recorded step; only then does a graph depend
    /// on which of its parameters require gradients, and <see cref="Trainables"/> holds them.
    /// </summary>
    public bool Trained { get; init; }

    /// <summary>
    /// With <see cref="Trained"/>: the host's parameters (weight, then bias; every parameter of a module host), then every
    /// set's, as recorded; their <c>requires_grad</c> is read again on each check, so the check reads a flag per
    /// parameter and enumerates none of them.
    /// </summary>
    public Parameter[] Trainables { get; init; } = Array.Empty<Parameter>();

    /// <summary>Each of <see cref="Trainables"/>' <c>requires_grad</c> when recorded.</summary>
    public bool[] RequiredGrad { get; init; } = Array.Empty<bool>();

    /// <summary>The names of the host's parameters, the first <see cref="Trainables"/>; the rest are the sets'.</summary>
    public string[] HostTrainableNames { get; init; } = Array.Empty<string>();

    /// <summary>How many of <see cref="Trainables"/> are the host's.</summary>
    public int HostTrainables => HostTrainableNames.Length;

    /// <summary>Number of dendrite sets.</summary>
    public int SetCount => Sets.Length / 2;

    /// <summary>What <paramref name="branch"/>'s layer computes with now.</summary>
    /// <param name="branch">The layer's dendrites.</param>
    /// <param name="attached">Whether the layer is still attached to its model.</param>
    /// <param name="enabled">Whether its dendrites are switched on.</param>
    /// <param name="hostWeight">The host weight (a module host's first parameter).</param>
    /// <param name="hostBias">The host bias (null for none, and for a module host).</param>
    /// <param name="hostTrainables">
    /// When autograd records the layer now, the host's parameters by name, whose trainability is recorded with the sets'
    /// (<see cref="Trainables"/>); null otherwise.
    /// </param>
    public static LayerStructure Of(DendriteBranch branch, bool attached, bool enabled, Parameter hostWeight, Parameter? hostBias, IReadOnlyList<(string Name, Parameter Parameter)>? hostTrainables)
    {
        var sets = new object[2 * branch.Count];
        for (var k = 0; k < branch.Count; k++)
        {
            sets[2 * k] = branch.Sets[k];
            sets[(2 * k) + 1] = branch.Sets[k].OutputScale;
        }

        var structure = new LayerStructure(attached, enabled && branch.Count > 0, branch.Tap is not null || branch.Observer is not null, hostWeight, hostBias, sets);
        if (hostTrainables is null)
        {
            return structure;
        }

        var trainables = hostTrainables.Select(p => p.Parameter).ToList();
        foreach (var set in branch.Sets)
        {
            trainables.AddRange(set.parameters());
        }

        return structure with
        {
            Trained = true,
            Trainables = trainables.ToArray(),
            RequiredGrad = trainables.Select(p => p.requires_grad).ToArray(),
            HostTrainableNames = hostTrainables.Select(p => p.Name).ToArray(),
        };
    }

    /// <summary>A Linear or convolution host's parameters by name: its weight, and its bias when it has one.</summary>
    public static IReadOnlyList<(string Name, Parameter Parameter)> WeightAndBias(Parameter weight, Parameter? bias) =>
        bias is null ? [("weight", weight)] : [("weight", weight), ("bias", bias)];

    /// <summary>
    /// What changed from <paramref name="then"/> to <paramref name="now"/> on <paramref name="layer"/>, as a clause for an
    /// error message; null when nothing did that a graph captured at <paramref name="then"/> depends on. Runs on every
    /// replay, so it builds no string (not even the layer's name) unless something changed.
    /// </summary>
    public static string? Change(IStructureSource layer, LayerStructure then, LayerStructure now)
    {
        var name = new LayerName(layer);
        if (then.Attached && !now.Attached)
        {
            return $"layer '{name}' was unwrapped after the step was captured";
        }

        if (now.HostWeight.IsInvalid || now.HostBias is { IsInvalid: true })
        {
            return $"layer '{name}' was disposed after the step was captured";
        }

        if (!ReferenceEquals(then.HostWeight, now.HostWeight) || !ReferenceEquals(then.HostBias, now.HostBias))
        {
            return $"layer '{name}' has other parameters than when the step was captured (a move or dtype change with .to(), or parameters replaced)";
        }

        if (FirstTrainabilityChange(then, 0, then.HostTrainables) is { } host)
        {
            return $"layer '{name}' has its host's {then.HostTrainableNames[host]} {(then.RequiredGrad[host] ? "frozen" : "training")} now, not as when the step was captured ({Why})";
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

        string Sets() => $"layer '{name}' had {then.SetCount} dendrite set(s) when the step was captured and has {now.SetCount} now (growth, a revert or pruning)";
        if (then.DendritesRun != now.DendritesRun)
        {
            // A layer without sets does not run dendrites either: when that is why, the sets are what changed.
            var noSets = now.DendritesRun ? then.SetCount == 0 : now.SetCount == 0;
            return noSets ? Sets() : $"layer '{name}' had its dendrites switched {(now.DendritesRun ? "on" : "off")} after the step was captured";
        }

        if (then.SetCount != now.SetCount)
        {
            return Sets();
        }

        for (var i = 0; i < then.Sets.Length; i++)
        {
            if (!ReferenceEquals(then.Sets[i], now.Sets[i]))
            {
                return $"layer '{name}' has other dendrite sets or dendrite parameters than when the step was captured (sets removed and added, pruned, or moved with .to())";
            }
        }

        if (FirstTrainabilityChange(then, then.HostTrainables, then.Trainables.Length) is not null)
        {
            return $"layer '{name}' has dendrite parameters frozen or unfrozen since the step was captured ({Why})";
        }

        return null;
    }

    /// <summary>The layer's name, read only when a message is formatted with it.</summary>
    private readonly struct LayerName(IStructureSource layer)
    {
        public override string ToString() => layer.StructureName;
    }

    private const string Why = "requires_grad changed: the captured backward computes the gradients it computed then";

    /// <summary>The first of <paramref name="then"/>'s trainables in [from, to) whose <c>requires_grad</c> changed since; null for none.</summary>
    private static int? FirstTrainabilityChange(LayerStructure then, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            if (then.Trainables[i].requires_grad != then.RequiredGrad[i])
            {
                return i;
            }
        }

        return null;
    }
}
