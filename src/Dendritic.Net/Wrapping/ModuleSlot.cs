using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Where a child module lives in its parent, and how to put another module in its place. TorchSharp has no
/// set_submodule, its layers are sealed, and re-registering a name does not update the parent's field, so the slot
/// updates every place the parent reads the child from: Sequential's item list, ModuleList/ModuleDict storage, the
/// parent's fields and its registry of submodules. TorchSharp's private fields are reached only through
/// <see cref="TorchSharpInternals"/>; the reflection left here reads the fields of the user's own model types.
/// </summary>
internal sealed class ModuleSlot
{
    private const BindingFlags InstanceFields = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
    private readonly nn.Module _parent;
    private readonly string _name;
    private readonly List<Action<nn.Module>> _setters;

    private ModuleSlot(nn.Module parent, string name, List<Action<nn.Module>> setters)
    {
        _parent = parent;
        _name = name;
        _setters = setters;
    }

    /// <summary>Puts <paramref name="replacement"/> where the child was.</summary>
    public void Set(nn.Module replacement)
    {
        foreach (var setter in _setters)
        {
            setter(replacement);
        }

        var registry = TorchSharpInternals.Submodules(_parent);
        if (registry.ContainsKey(_name))
        {
            registry[_name] = replacement;
        }
    }

    /// <summary>
    /// Finds how the child <paramref name="name"/> of <paramref name="parent"/> can be replaced by a
    /// <see cref="DendriteLayer"/>; null when some place that holds it is typed too narrowly (then hook it instead).
    /// </summary>
    public static ModuleSlot? TryFind(nn.Module parent, string name, nn.Module child)
    {
        var setters = new List<Action<nn.Module>>();
        switch (parent)
        {
            case Sequential sequential:
                var position = TorchSharpInternals.SequentialNames(sequential).ToList().IndexOf(name);
                if (position < 0)
                {
                    return null;
                }

                setters.Add(m => TorchSharpInternals.SetSequentialItem(sequential, position, (nn.Module<Tensor, Tensor>)m));
                return new ModuleSlot(parent, name, setters);

            // ModuleList's and ModuleDict's public setters update their storage; Set updates the registry.
            case ModuleList<nn.Module<Tensor, Tensor>> typedList:
                var typedIndex = int.Parse(name, CultureInfo.InvariantCulture);
                setters.Add(m => typedList[typedIndex] = (nn.Module<Tensor, Tensor>)m);
                return new ModuleSlot(parent, name, setters);
            case ModuleList<nn.Module> list:
                var index = int.Parse(name, CultureInfo.InvariantCulture);
                setters.Add(m => list[index] = m);
                return new ModuleSlot(parent, name, setters);
            case ModuleDict<nn.Module<Tensor, Tensor>> typedDict:
                setters.Add(m => typedDict[name] = (nn.Module<Tensor, Tensor>)m);
                return new ModuleSlot(parent, name, setters);
            case ModuleDict<nn.Module> dict:
                setters.Add(m => dict[name] = m);
                return new ModuleSlot(parent, name, setters);
        }

        var parentType = parent.GetType();
        if (parentType.IsGenericType && (parentType.GetGenericTypeDefinition() == typeof(ModuleList<>) || parentType.GetGenericTypeDefinition() == typeof(ModuleDict<>)))
        {
            // A list or dict of a narrower element type (ModuleList<Linear>) cannot hold a DendriteLayer.
            return null;
        }

        foreach (var field in AllFields(parentType))
        {
            if (!ReferenceEquals(field.GetValue(parent), child))
            {
                continue;
            }

            if (!field.FieldType.IsAssignableFrom(typeof(DendriteLayer)))
            {
                return null;
            }

            setters.Add(m => field.SetValue(parent, m));
        }

        return new ModuleSlot(parent, name, setters);
    }

    /// <summary>The parent's own fields (of the user's model types, not TorchSharp's) that can hold a module.</summary>
    private static IEnumerable<FieldInfo> AllFields(Type? type)
    {
        for (; type is not null && type != typeof(nn.Module); type = type.BaseType)
        {
            foreach (var field in type.GetFields(InstanceFields))
            {
                if (typeof(nn.Module).IsAssignableFrom(field.FieldType) || field.FieldType == typeof(object))
                {
                    yield return field;
                }
            }
        }
    }
}
