using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Holds the dendrites of hooked layers, registered on the root model as <c>dendrites</c>, so that they move, save
/// and load with it. Children are keyed by the layer path with dots replaced by underscores.
/// </summary>
internal sealed class DendriteHookContainer : nn.Module
{
    public const string RegisteredName = "dendrites";
    private readonly Dictionary<string, DendriteBranch> _branches = new(StringComparer.Ordinal);

    public DendriteHookContainer()
        : base("DendriteHookContainer")
    {
    }

    public int Count => _branches.Count;

    public static string KeyFor(string path) => path.Replace('.', '_');

    public void Attach(string key, DendriteBranch branch)
    {
        if (_branches.ContainsKey(key))
        {
            throw new DendriteWrapException($"Two hooked layers map to the same dendrite key '{key}'. Rename one of them, or type its field as Module<Tensor, Tensor> so that it can be replaced.");
        }

        _branches[key] = branch;
        register_module(key, branch);
    }

    public void Detach(string key)
    {
        _branches.Remove(key);
        TorchSharpInternals.RemoveSubmodule(this, key);
    }
}
