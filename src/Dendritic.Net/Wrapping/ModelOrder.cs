using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// A model's submodules in the order the model holds them: depth first, each module before what it contains, siblings
/// in registration order (PyTorch's <c>named_modules()</c> order). TorchSharp's <c>named_modules()</c> lists all of a
/// module's children before any grandchild, so in a model of nested containers its order is not the model's
/// (<c>a, b, d, b.c</c> for <c>Sequential(a, Sequential(c), d)</c>); the wrapper lists its layers in this order instead.
/// </summary>
internal static class ModelOrder
{
    /// <summary>
    /// <paramref name="model"/>'s <c>named_modules()</c> (the same entries, the model itself not among them), reordered
    /// depth first. Siblings keep the order <c>named_modules()</c> gives them.
    /// </summary>
    public static List<(string Name, nn.Module Module)> NamedModules(nn.Module model)
    {
        var modules = model.named_modules().Select(m => (m.name, m.module)).ToList();
        var rank = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < modules.Count; i++)
        {
            rank.TryAdd(modules[i].name, i);
        }

        // A path's key: the rank of each of its prefixes ("b", "b.e", "b.e.f"), so that a module sorts after its parent
        // and before its parent's later siblings. Each prefix of a listed path is listed too (a parent comes with its children).
        int[] Key(string path)
        {
            var parts = path.Split('.');
            var key = new int[parts.Length];
            for (var p = 0; p < parts.Length; p++)
            {
                key[p] = rank.TryGetValue(string.Join('.', parts, 0, p + 1), out var r) ? r : -1;
            }

            return key;
        }

        var keys = modules.Select(m => Key(m.name)).ToList();
        var order = Enumerable.Range(0, modules.Count).ToList();
        order.Sort((x, y) => Compare(keys[x], keys[y]) is var c && c != 0 ? c : x.CompareTo(y));
        return order.Select(i => modules[i]).ToList();
    }

    private static int Compare(int[] a, int[] b)
    {
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (a[i] != b[i])
            {
                return a[i].CompareTo(b[i]);
            }
        }

        return a.Length.CompareTo(b.Length);
    }
}
