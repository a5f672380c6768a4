using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;

namespace Dendritic;

/// <summary>
/// The state-dict keys by which a checkpoint names a model's parameters: the optimizer's parameter groups
/// (<see cref="CheckpointOptimizer.ParameterGroups"/>) and the frozen base parameters
/// (<see cref="CheckpointManifest.FrozenBaseParameters"/>). One walk for both records, so that they name a parameter
/// shared by two modules alike.
/// </summary>
internal static class ParameterKeys
{
    /// <summary>
    /// Every parameter of <paramref name="model"/> once, in model order, under its key. A parameter shared by two
    /// modules has two keys; the first, as <c>named_parameters</c> lists it, is the one recorded.
    /// </summary>
    public static List<(string Name, Parameter Parameter)> Of(DendriticModel model)
    {
        var seen = new HashSet<IntPtr>();
        return model.Model.named_parameters()
            .Where(p => seen.Add(p.parameter.Handle))
            .Select(p => (p.name, p.parameter))
            .ToList();
    }

    /// <summary>The base parameters (every parameter that is not a dendrite's) of <see cref="Of"/>, in its order.</summary>
    public static List<(string Name, Parameter Parameter)> OfBase(DendriticModel model)
    {
        var dendrites = new HashSet<IntPtr>(model.DendriteParameters().Select(p => p.Handle));
        return Of(model).Where(p => !dendrites.Contains(p.Parameter.Handle)).ToList();
    }

    /// <summary>The key of every parameter of <paramref name="model"/>, by its native handle.</summary>
    public static Dictionary<IntPtr, string> ByHandle(DendriticModel model) =>
        Of(model).ToDictionary(p => p.Parameter.Handle, p => p.Name);
}
