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
    /// depth first by walking <c>named_children()</c>. Names are joined, never split, so a child whose name holds a dot
    /// (a <c>Sequential</c> item may have one) stays where it is. A module whose <c>named_modules()</c> lists other
    /// entries than its children's tree keeps <c>named_modules()</c>'s order.
    /// </summary>
    public static List<(string Name, nn.Module Module)> NamedModules(nn.Module model)
    {
        var listed = model.named_modules().Select(m => (m.name, m.module)).ToList();
        var walked = new List<(string Name, nn.Module Module)>(listed.Count);
        Walk(model, string.Empty, walked, listed.Count);
        return walked.Count == listed.Count && SameEntries(walked, listed) ? walked : listed;
    }

    /// <summary>
    /// The module that holds <paramref name="module"/> at <paramref name="path"/>, its path (empty for the root) and the name
    /// it holds the module under. A child's
    /// name may itself hold a dot (a <c>Sequential</c> item), so the path is not simply split at its last dot: each split,
    /// from the right, is tried against the candidate parent's children.
    /// </summary>
    /// <param name="model">The root.</param>
    /// <param name="byPath">The model's modules by path (<see cref="NamedModules"/>).</param>
    /// <param name="path">The module's path; not empty.</param>
    /// <param name="module">The module.</param>
    /// <exception cref="DendriteWrapException">No split names a parent that holds the module under the rest of the path.</exception>
    public static (nn.Module Parent, string ParentPath, string Name) ParentOf(nn.Module model, IReadOnlyDictionary<string, nn.Module> byPath, string path, nn.Module module)
    {
        for (var dot = path.LastIndexOf('.'); ; dot = dot <= 0 ? -1 : path.LastIndexOf('.', dot - 1))
        {
            var parentPath = dot < 0 ? string.Empty : path[..dot];
            var parent = dot < 0 ? model : byPath.GetValueOrDefault(parentPath);
            var name = path[(dot + 1)..];
            if (parent is not null && parent.named_children().Any(c => c.name == name && ReferenceEquals(c.module, module)))
            {
                return (parent, parentPath, name);
            }

            if (dot < 0)
            {
                throw new DendriteWrapException($"Layer '{path}' could not be found in the module that holds it, so its place in the model is unknown. Give it a name without dots, or hold it in a module class of your own.");
            }
        }
    }

    /// <summary>Adds <paramref name="module"/>'s descendants depth first, stopping past <paramref name="limit"/> entries (a cycle, or a tree other than named_modules()').</summary>
    private static void Walk(nn.Module module, string prefix, List<(string Name, nn.Module Module)> walked, int limit)
    {
        foreach (var (name, child) in module.named_children())
        {
            if (walked.Count > limit)
            {
                return;
            }

            var path = prefix.Length == 0 ? name : prefix + "." + name;
            walked.Add((path, child));
            Walk(child, path, walked, limit);
        }
    }

    private static bool SameEntries(List<(string Name, nn.Module Module)> walked, List<(string Name, nn.Module Module)> listed)
    {
        var remaining = listed.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Select(m => m.Module).ToList());
        foreach (var (name, module) in walked)
        {
            if (!remaining.TryGetValue(name, out var modules) || modules.FindIndex(m => ReferenceEquals(m, module)) is var at && at < 0)
            {
                return false;
            }

            modules.RemoveAt(at);
        }

        return true;
    }
}
