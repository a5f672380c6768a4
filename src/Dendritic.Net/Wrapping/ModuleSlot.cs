using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Where a child module lives in its parent, and how to put another module in its place. TorchSharp has no
/// set_submodule, its layers are sealed, and re-registering a name does not update the parent's field, so the slot
/// updates every place the parent reads the child from: Sequential's item list, ModuleList/ModuleDict storage, the
/// parent's fields and its registry of submodules.
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

        var registry = Registry(_parent);
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
        if (parent is Sequential)
        {
            var modules = (IList)Field(parent, "_modules").GetValue(parent)!;
            var names = (List<string>)Field(parent, "_names").GetValue(parent)!;
            var index = names.IndexOf(name);
            if (index < 0)
            {
                return null;
            }

            setters.Add(m => modules[index] = m);
            return new ModuleSlot(parent, name, setters);
        }

        var parentType = parent.GetType();
        if (parentType.IsGenericType && parentType.GetGenericTypeDefinition() == typeof(ModuleList<>))
        {
            var elementType = parentType.GetGenericArguments()[0];
            if (!elementType.IsAssignableFrom(typeof(DendriteLayer)))
            {
                return null;
            }

            var list = (IList)Field(parent, "_list").GetValue(parent)!;
            var index = int.Parse(name, CultureInfo.InvariantCulture);
            setters.Add(m => list[index] = m);
            return new ModuleSlot(parent, name, setters);
        }

        if (parentType.IsGenericType && parentType.GetGenericTypeDefinition() == typeof(ModuleDict<>))
        {
            var elementType = parentType.GetGenericArguments()[0];
            if (!elementType.IsAssignableFrom(typeof(DendriteLayer)))
            {
                return null;
            }

            var list = (IList)Field(parent, "_list").GetValue(parent)!;
            var dict = (IDictionary)Field(parent, "_dict").GetValue(parent)!;
            var tupleType = typeof(ValueTuple<,>).MakeGenericType(typeof(string), elementType);
            var index = Enumerable.Range(0, list.Count).First(i => ReferenceEquals(tupleType.GetField("Item2")!.GetValue(list[i]), child));
            setters.Add(m =>
            {
                list[index] = Activator.CreateInstance(tupleType, name, m);
                dict[name] = m;
            });
            return new ModuleSlot(parent, name, setters);
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

    internal static OrderedDict<string, nn.Module> Registry(nn.Module module) =>
        (OrderedDict<string, nn.Module>)typeof(nn.Module).GetField("_internal_submodules", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(module)!;

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

    /// <summary>A TorchSharp-internal instance field of <paramref name="module"/>'s type or a base type; throws if this TorchSharp version lacks it.</summary>
    internal static FieldInfo Field(nn.Module module, string name)
    {
        for (var type = module.GetType(); type is not null; type = type.BaseType)
        {
            var field = type.GetField(name, InstanceFields);
            if (field is not null)
            {
                return field;
            }
        }

        throw new InvalidOperationException($"TorchSharp's {module.GetType().Name} has no field '{name}'; this TorchSharp version is not supported by Dendritic.Net's wrapper.");
    }
}
