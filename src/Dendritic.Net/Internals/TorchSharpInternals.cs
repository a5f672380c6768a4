using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Every place where Dendritic.Net depends on TorchSharp's private layout, in one file. TorchSharp has no
/// set_submodule, no way to unregister a submodule, no setter on Sequential, and its parameter setters dispose the
/// parameter they replace; the wrapper needs all four, and hooks on a model's <c>call()</c> of any arity. Each member names the private field it reads, and
/// <see cref="CheckLayout"/> (run by the tests) says which one is missing when a TorchSharp update moves them.
/// Everything else uses TorchSharp's public API (ModuleList and ModuleDict indexers, hooks, register_module), except
/// <see cref="DataPointer"/>, an export of TorchSharp's native bridge.
/// </summary>
internal static partial class TorchSharpInternals
{
    private const BindingFlags InstanceFields = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    /// <summary>The TorchSharp version this layout was read from (the package the library is built against).</summary>
    public const string ExpectedVersion = "0.107";

    private static readonly string[] CallHookNames = { "register_forward_pre_hook", "register_forward_hook" };

    private static readonly (Type Owner, string Field, Type FieldType)[] Layout =
    {
        (typeof(nn.Module), "_internal_submodules", typeof(OrderedDict<string, nn.Module>)),
        (typeof(nn.Module), "_internal_params", typeof(OrderedDict<string, Parameter>)),
        (typeof(Sequential), "_modules", typeof(List<nn.IModule<Tensor, Tensor>>)),
        (typeof(Sequential), "_names", typeof(List<string>)),
        (typeof(Linear), "_weight", typeof(Parameter)),
        (typeof(Linear), "_bias", typeof(Parameter)),
        (typeof(Convolution), "_weight", typeof(Parameter)),
        (typeof(Convolution), "_bias", typeof(Parameter)),
        (typeof(LSTM), "_batch_first", typeof(bool)),
        (typeof(GRU), "_batch_first", typeof(bool)),
    };

    /// <summary>
    /// The private fields this class relies on that this TorchSharp build lacks or types differently, as
    /// <c>Type.field</c>; empty when the layout is as expected.
    /// </summary>
    public static IReadOnlyList<string> CheckLayout()
    {
        var missing = Layout.Where(l => FindField(l.Owner, l.Field) is not { } field || !l.FieldType.IsAssignableFrom(field.FieldType))
            .Select(l => $"{l.Owner.Name}.{l.Field}")
            .ToList();
        var hookable = typeof(nn.HookableModule<,>);
        var hookMethods = hookable.GetMethods().Where(m => m.GetParameters() is [{ ParameterType: var p }] && p == typeof(Action<nn.Module>)).Select(m => m.Name).ToHashSet();
        missing.AddRange(CallHookNames.Where(n => !hookMethods.Contains(n)).Select(n => $"HookableModule.{n}(Action<Module>)"));
        return missing;
    }

    /// <summary>The registry of <paramref name="module"/>'s submodules (what named_modules and state_dict walk).</summary>
    public static OrderedDict<string, nn.Module> Submodules(nn.Module module) =>
        (OrderedDict<string, nn.Module>)Field(typeof(nn.Module), "_internal_submodules").GetValue(module)!;

    /// <summary>Removes the submodule registered as <paramref name="name"/>; TorchSharp has no public way to do it.</summary>
    public static void RemoveSubmodule(nn.Module module, string name) => Submodules(module).Remove(name);

    /// <summary>Puts <paramref name="replacement"/> at <paramref name="index"/> of a Sequential (which has no setter).</summary>
    public static void SetSequentialItem(Sequential sequential, int index, nn.Module<Tensor, Tensor> replacement)
    {
        var items = (IList)Field(typeof(Sequential), "_modules").GetValue(sequential)!;
        items[index] = replacement;
    }

    /// <summary>The names of a Sequential's items, in order.</summary>
    public static IReadOnlyList<string> SequentialNames(Sequential sequential) =>
        (List<string>)Field(typeof(Sequential), "_names").GetValue(sequential)!;

    /// <summary>
    /// Sets a Linear's or convolution's <c>weight</c> or <c>bias</c> (<paramref name="key"/>) without TorchSharp's
    /// setter, which disposes the parameter it replaces (after a device or dtype move, that one is already disposed).
    /// </summary>
    public static void SetHostParameter(nn.Module host, string key, Parameter? value)
    {
        var owner = host is Linear ? typeof(Linear) : typeof(Convolution);
        var field = Field(owner, "_" + key);
        if (ReferenceEquals(field.GetValue(host), value))
        {
            return;
        }

        field.SetValue(host, value);
        var registry = (OrderedDict<string, Parameter>)Field(typeof(nn.Module), "_internal_params").GetValue(host)!;
        registry.Remove(key);
        if (value is not null)
        {
            registry.Add(key, value);
        }
    }

    /// <summary>Whether a TorchSharp LSTM or GRU takes batch-first input; its private <c>_batch_first</c> has no getter.</summary>
    public static bool RecurrentBatchFirst(nn.Module module) => module switch
    {
        LSTM => (bool)Field(typeof(LSTM), "_batch_first").GetValue(module)!,
        GRU => (bool)Field(typeof(GRU), "_batch_first").GetValue(module)!,
        _ => false,
    };

    /// <summary>
    /// Registers hooks that run before and after every <c>call()</c> of <paramref name="module"/>, whatever its input
    /// and output types: TorchSharp's per-arity <c>HookableModule&lt;TPreHook, TPostHook&gt;</c> offers
    /// <c>Action&lt;Module&gt;</c> overloads, reached here without naming the arity.
    /// </summary>
    /// <returns>Removes both hooks; null when the module cannot be hooked (a TorchSharp module that is not hookable).</returns>
    public static Action? TryRegisterCallHooks(nn.Module module, Action<nn.Module> before, Action<nn.Module> after)
    {
        if (HookableBase(module.GetType()) is not { } hookable)
        {
            return null;
        }

        var removers = new[]
        {
            CallHookMethod(hookable, "register_forward_pre_hook").Invoke(module, new object[] { before })!,
            CallHookMethod(hookable, "register_forward_hook").Invoke(module, new object[] { after })!,
        };
        return () =>
        {
            foreach (var remover in removers)
            {
                remover.GetType().GetMethod("remove", Type.EmptyTypes)!.Invoke(remover, null);
            }
        };
    }

    private static Type? HookableBase(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(nn.HookableModule<,>))
            {
                return type;
            }
        }

        return null;
    }

    private static MethodInfo CallHookMethod(Type hookable, string name) =>
        hookable.GetMethod(name, new[] { typeof(Action<nn.Module>) }) ?? throw new InvalidOperationException(
            $"TorchSharp's HookableModule has no {name}(Action<Module>): this TorchSharp version differs from {ExpectedVersion}, which Dendritic.Net's wrapper was built for.");

    private static FieldInfo? FindField(Type owner, string name) => owner.GetField(name, InstanceFields);

    private static FieldInfo Field(Type owner, string name) =>
        FindField(owner, name) ?? throw new InvalidOperationException(
            $"TorchSharp's {owner.Name} has no field '{name}': this TorchSharp version's private layout differs from {ExpectedVersion}, which Dendritic.Net's wrapper was built for. Use the TorchSharp version Dendritic.Net references.");

    /// <summary>
    /// The address of <paramref name="tensor"/>'s first element (storage offset included). TorchSharp 0.107 reads CPU
    /// data through accessors that copy or index element by element; its native bridge exports THSTensor_data
    /// (at::Tensor::data_ptr()), which those accessors call.
    /// </summary>
    /// <exception cref="InvalidOperationException">TorchSharp returned no address for a non-empty tensor.</exception>
    public static IntPtr DataPointer(Tensor tensor)
    {
        var pointer = THSTensor_data(tensor.Handle);
        return pointer != IntPtr.Zero || tensor.numel() == 0
            ? pointer
            : throw new InvalidOperationException($"TorchSharp returned no data pointer for a {tensor.dtype} tensor on {tensor.device}.");
    }

    [System.Runtime.InteropServices.LibraryImport("LibTorchSharp")]
    private static partial IntPtr THSTensor_data(IntPtr handle);
}
