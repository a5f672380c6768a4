using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>Entry point: adds dendrites to the layers of an existing TorchSharp model.</summary>
public static partial class Dendrites
{
    /// <summary>
    /// Share of a model's parameters (0.1 = 10 %) held by native modules (Transformer*, MultiheadAttention, LSTM, GRU,
    /// RNN) that are not module hosts, and so carry no dendrites, from which <see cref="Wrap"/> logs a warning (event
    /// 1006): at this share or more.
    /// </summary>
    public static double NativeShareWarningThreshold => 0.1;

    private static readonly ConditionalWeakTable<nn.Module, DendriticModel> Wrapped = new();

    /// <summary>Whether <paramref name="model"/> already has a handle (from <see cref="Wrap"/> or <see cref="Adopt"/>).</summary>
    internal static bool HasHandle(nn.Module model) => Wrapped.TryGetValue(model, out _);

    /// <summary>
    /// Finds the handle that <see cref="Wrap"/> or <see cref="Adopt"/> returned for <paramref name="model"/>, for code
    /// that holds the model but no longer the handle: Wrap and Adopt refuse a model that has one, so this is how to get
    /// it back. The handle lasts until its <see cref="DendriticModel.Unwrap"/>, after which the model has none.
    /// </summary>
    /// <param name="model">The model given to Wrap or Adopt (the same object; not a layer inside it).</param>
    /// <param name="handle">The handle; null when the method returns false.</param>
    /// <returns>True when <paramref name="model"/> has a handle; false when it was never wrapped or adopted, or was unwrapped.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    public static bool TryGetHandle(nn.Module model, [NotNullWhen(true)] out DendriticModel? handle)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Wrapped.TryGetValue(model, out handle);
    }

    /// <summary>
    /// Adds dendrites to the target layers of <paramref name="model"/>, so that the model's own <c>forward</c> runs
    /// them. Layers inside Sequential, ModuleList, ModuleDict or in fields typed as a general module are replaced by
    /// <see cref="DendriteLayer"/>; layers in fields typed as the concrete layer get a forward hook (see
    /// <see cref="AttachMode"/>). With <paramref name="sampleInput"/>, one forward pass (in eval mode, without
    /// gradients) checks that every wrapped layer's dendrites ran. Without it, when some layers are hooked, the model's
    /// first forward pass (through <c>call()</c>) checks that every hooked layer ran, and throws
    /// <see cref="LayerNotInvokedException"/> until one does, so a parent that bypasses a hook cannot go unnoticed.
    /// </summary>
    /// <param name="model">The model; it is changed in place.</param>
    /// <param name="options">Targets and dendrite options; <see cref="WrapOptions.Default"/> when null.</param>
    /// <param name="sampleInput">A representative input for the check pass (needs a Module&lt;Tensor, Tensor&gt; model); none when null.</param>
    /// <returns>A handle to list, toggle, grow, freeze, save and unwrap the dendrites.</returns>
    /// <remarks>
    /// <para>
    /// Build (or rebuild) the optimizer after Wrap, from <c>handle.TrainableParameters()</c>
    /// (<see cref="DendriticModel.TrainableParameters"/>). One built before holds no dendrite: from a list it never
    /// trains them; from the lazy <c>model.parameters()</c> it finds them at <c>step()</c> without state, and
    /// TorchSharp's Adam and SGD throw a bare <see cref="System.Collections.Generic.KeyNotFoundException"/> ("The given
    /// key '...' was not present in the dictionary").
    /// </para>
    /// <para>
    /// Layers inside TorchSharp's native modules (Transformer*, MultiheadAttention, LSTM, GRU, RNN) live inside libtorch
    /// and cannot be reached one by one: selectors naming them fail with an explanation (an LSTM or GRU can carry
    /// dendrites as a whole, as a module host: <see cref="ModuleHost"/>), <see cref="DendriticModel.Report"/> lists the
    /// native modules that are not hosts, and a warning is logged when they hold at least
    /// <see cref="NativeShareWarningThreshold"/> of the parameters.
    /// </para>
    /// </remarks>
    /// <exception cref="NativeModuleException">The selection takes a native module no module host covers (MultiheadAttention, TransformerEncoderLayer, ...), a native module by a glob or regex, or a path inside one, or the model is one; the message names its path and says what to do instead.</exception>
    /// <exception cref="DendriteWrapException">No layer matches, a named layer is unsupported, the model is already wrapped or adopted (<see cref="TryGetHandle"/> finds its handle) or is being wrapped or adopted on another thread, a layer already carries dendrites (a <see cref="DendriteLayer"/> or hooked dendrites), or the model's forward pass threw on the sample input in the check pass: libtorch refused it, or an ArgumentException other than ArgumentNullException was thrown (such as TorchSharp's Conv2d given an input of the wrong rank, or an error in the forward pass itself); the reason in the message, the exception inside, the model left unwrapped. An ArgumentNullException from the forward pass passes through unchanged.</exception>
    /// <exception cref="LayerNotInvokedException">The check pass found layers whose forward hook or replacement did not run; the model is left unwrapped. (Without a sample input, the model's first forward pass throws it instead, leaving the model wrapped.)</exception>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="InvalidOptionsException"><paramref name="options"/> holds invalid values (<see cref="WrapOptions.Validate"/>); the exception lists each, and the model is not touched.</exception>
    /// <exception cref="ArgumentException"><paramref name="sampleInput"/> is given for a model that is not a <c>Module&lt;Tensor, Tensor&gt;</c> (ParamName <c>sampleInput</c>); the model is not touched. Pass none and call <see cref="DendriticModel.Verify"/> with your own forward call.</exception>
    public static DendriticModel Wrap(nn.Module model, WrapOptions? options = null, Tensor? sampleInput = null) =>
        WrapEach(model, options, sampleInput, dendriteOf: null);

    /// <summary>
    /// <see cref="Wrap"/>, giving the layer at each path the options <paramref name="dendriteOf"/> returns for it (null:
    /// <see cref="WrapOptions.Dendrite"/>): a checkpoint's load, whose layers may each have their own
    /// (<see cref="CheckpointLayer.Dendrite"/>). Each layer's branch validates its options, as for the handle's.
    /// </summary>
    internal static DendriticModel WrapEach(nn.Module model, WrapOptions? options, Tensor? sampleInput, Func<string, DendriteOptions?>? dendriteOf)
    {
        ArgumentNullException.ThrowIfNull(model);
        options = (options ?? WrapOptions.Default).Validate();
        using var reservation = WrapReservation.Enter(model);
        if (HasHandle(model))
        {
            throw new DendriteWrapException("This model is already wrapped or adopted: it has a handle (from Dendrites.Wrap or Dendrites.Adopt). Use the DendriticModel handle you got the first time (AddDendrites grows it; Dendrites.TryGetHandle(model, out var handle) finds it again), or Unwrap it first.");
        }

        var modules = ModelOrder.NamedModules(model);
        var existing = modules.FirstOrDefault(m => m.Item2 is DendriteLayer or DendriteHookContainer or DendriteBranch);
        if (existing.Item2 is not null)
        {
            throw new DendriteWrapException($"Layer '{existing.Item1}' already carries dendrites: the model is already wrapped. Unwrap it first, or load it with DendriteCheckpoint.Load into a fresh model.");
        }

        if (sampleInput is not null && model is not nn.Module<Tensor, Tensor>)
        {
            throw new ArgumentException($"A sample input needs a model of type Module<Tensor, Tensor>; {model.GetType().Name} is not. Pass no sample input and call DendriticModel.Verify with your own forward call instead.", nameof(sampleInput));
        }

        var natives = NativeModule.Find(model);
        var baseParameters = model.parameters().Sum(p => p.numel());
        ModuleHost? HostFor(nn.Module m) => ModuleHost.Find(m, options.ModuleHosts);
        var targets = options.Targets.Select(modules, natives, HostFor);
        if (targets.Count == 0)
        {
            var problem = $"The selector ({options.Targets}) matches no layer that can carry dendrites. Layers that can: {LayerSelector.FormatNames(LayerSelector.Carriers(modules.Select(m => (m.Item1, m.Item2)), HostFor))}.";
            if (HostLayerSpec.IsSupported(model))
            {
                // Wrap looks inside a model; a bare layer has no parent whose field could be replaced or hooked for it.
                problem += $" The model is itself a {model.GetType().Name}: wrap a model that holds it, or use new DendriteLayer(layer) in its place (Dendrites.Adopt gives a handle for a model built so).";
            }

            if (natives.Count > 0 && natives[0].Path.Length == 0)
            {
                throw natives[0].Error(problem);
            }

            throw new DendriteWrapException(problem + LayerSelector.NativeNote(natives));
        }

        var byPath = modules.ToDictionary(m => m.Item1, m => m.Item2);
        var attachments = new List<LayerAttachment>();
        DendriteHookContainer? container = null;
        try
        {
            foreach (var (path, module) in targets)
            {
                attachments.Add(Attach(model, byPath, path, module, options, dendriteOf?.Invoke(path) ?? options.Dendrite, ref container));
            }
        }
        catch
        {
            Detach(model, attachments, container);
            throw;
        }

        var handle = new DendriticModel(model, attachments, container, options);
        Wrapped.Add(model, handle);
        try
        {
            if (options.InitialDendrites > 0)
            {
                handle.AddDendrites(options.InitialDendrites);
            }

            if (sampleInput is not null)
            {
                SampleCheck.Run(handle, (nn.Module<Tensor, Tensor>)model, sampleInput, "the model is left unwrapped");
            }
            else
            {
                handle.FirstForwardCheck = FirstForwardCheck.TryInstall(handle);
            }
        }
        catch
        {
            handle.Unwrap();
            throw;
        }

        var hosted = ModuleHostAttachment.HostedModules(attachments);
        WarnAboutNativeModules(natives.Where(n => !hosted.Contains(n.Module)).ToList(), baseParameters, options);
        if (options.Logger.IsEnabled(LogLevel.Information))
        {
            DendriticLog.Wrapped(options.Logger, attachments.Count, attachments.Count(a => a.Mode == AttachMode.Replaced), attachments.Count(a => a.Mode == AttachMode.Hooked), options.InitialDendrites, options.Targets.ToString());
        }
        return handle;
    }

    /// <summary>
    /// Logs one warning when native modules hold at least <see cref="NativeShareWarningThreshold"/> of the model's
    /// parameters: they carry no dendrites, and nothing else would tell the user. What to do depends on the module: one
    /// a module host covers needs only a rule that names it; the others need rebuilding (<see cref="NativeModule.SkippedAdvice"/>).
    /// </summary>
    private static void WarnAboutNativeModules(IReadOnlyList<NativeModule> natives, long total, WrapOptions options)
    {
        var nativeParameters = natives.Sum(n => n.Parameters);
        if (nativeParameters > 0 && nativeParameters >= NativeShareWarningThreshold * total && options.Logger.IsEnabled(LogLevel.Warning))
        {
            DendriticLog.NativeModulesSkipped(options.Logger, (double)nativeParameters / total, nativeParameters, total, NativeModule.Describe(natives), NativeModule.SkippedAdvice(natives, options.ModuleHosts));
        }
    }

    internal static void Forget(nn.Module model) => Wrapped.Remove(model);

    internal static void Detach(nn.Module model, IEnumerable<LayerAttachment> attachments, DendriteHookContainer? container)
    {
        foreach (var attachment in attachments.Reverse())
        {
            attachment.Detach();
        }

        if (container is not null)
        {
            TorchSharpInternals.RemoveSubmodule(model, DendriteHookContainer.RegisteredName);
        }
    }

    private static LayerAttachment Attach(nn.Module model, Dictionary<string, nn.Module> byPath, string path, nn.Module module, WrapOptions options, DendriteOptions dendrite, ref DendriteHookContainer? container)
    {
        if (!HostLayerSpec.IsSupported(module))
        {
            // A module host: always hooked, so that its own keys, device moves and native modules stay untouched.
            var moduleHost = ModuleHost.Find(module, options.ModuleHosts)!;

            // Without a root container the root reaches (a Sequential root), the dendrites live on the host itself.
            var hostAttachment = ModuleHostAttachment.Attach(path, module, moduleHost, dendrite, RootContainer(model, path, ref container));
            if (options.Logger.IsEnabled(LogLevel.Debug))
            {
                DendriticLog.LayerAttached(options.Logger, path, hostAttachment.Spec.ToString(), hostAttachment.Mode);
            }

            return hostAttachment;
        }

        HostLayerSpec spec;
        try
        {
            spec = HostLayerSpec.From(module, path);
        }
        catch (UnsupportedHostException e)
        {
            // A supported type with an unsupported setting (say, "same" padding with an even kernel): Wrap's own error.
            throw new DendriteWrapException(e.Message, e);
        }

        var (parent, parentPath, name) = ModelOrder.ParentOf(model, byPath, path, module);
        var slot = ModuleSlot.TryFind(parent, name, module);
        LayerAttachment attachment;
        if (slot is not null)
        {
            var layer = new DendriteLayer(module, spec, dendrite, 0, path);
            slot.Set(layer);
            attachment = new ReplacedAttachment(path, layer, slot);
        }
        else
        {
            if (!options.AllowHooks)
            {
                throw new DendriteWrapException($"Layer '{path}' is held in a field typed as {module.GetType().Name}, so it cannot be replaced, and WrapOptions.AllowHooks is false. Type the field as Module<Tensor, Tensor>, or allow hooks.");
            }

            var (hookContainer, ownerPath, owner) = HookContainer(model, parent, parentPath, path, ref container);
            attachment = new HookedAttachment(path, (nn.Module<Tensor, Tensor>)module, spec, dendrite, hookContainer, ownerPath, owner);
        }

        if (options.Logger.IsEnabled(LogLevel.Debug))
        {
            DendriticLog.LayerAttached(options.Logger, path, spec.ToString(), attachment.Mode);
        }
        return attachment;
    }

    /// <summary>
    /// Where a hooked layer's dendrites live: the root's container when the root walks its registered children, else
    /// a container on the layer's parent (owner non-null). A Sequential root lists only its own items to
    /// <c>parameters()</c>, <c>to()</c> and <c>train()</c>, so dendrites in its container would never train nor move;
    /// the hooked layer's parent holds it in a field, so it is a module whose walks include what is registered on it.
    /// </summary>
    private static (DendriteHookContainer Container, string OwnerPath, nn.Module? Owner) HookContainer(nn.Module model, nn.Module parent, string parentPath, string path, ref DendriteHookContainer? container)
    {
        if (RootContainer(model, path, ref container) is { } root)
        {
            return (root, string.Empty, null);
        }

        DendriteHookContainer own;
        if (TorchSharpInternals.Submodules(parent).TryGetValue(DendriteHookContainer.RegisteredName, out var existing))
        {
            own = existing as DendriteHookContainer ?? throw new DendriteWrapException($"Module '{parentPath}' already has a submodule named '{DendriteHookContainer.RegisteredName}', which the dendrites of its hooked layer '{path}' need for their weights (the model is a Sequential, which does not reach a container on itself). Rename that submodule, or type layer '{path}''s field as Module<Tensor, Tensor>.");
        }
        else
        {
            own = new DendriteHookContainer();
            parent.register_module(DendriteHookContainer.RegisteredName, own);
        }

        if (!model.named_modules().Any(m => ReferenceEquals(m.module, own)))
        {
            if (own.Count == 0)
            {
                TorchSharpInternals.RemoveSubmodule(parent, DendriteHookContainer.RegisteredName);
            }

            throw new DendriteWrapException($"Layer '{path}' needs a forward hook (its field is typed as {parent.GetType().Name}'s concrete layer), but neither the model ({model.GetType().Name}) nor '{parentPath}' lists a container registered on it among its modules, so its dendrites would neither train nor move with the model. Hold the model in a module class of your own, or type the field as Module<Tensor, Tensor>.");
        }

        return (own, parentPath, parent);
    }

    /// <summary>
    /// The root's container of hooked dendrites (created on first use), or null when the root does not reach it: a
    /// Sequential root lists only its own items to <c>parameters()</c>, <c>to()</c> and <c>train()</c>, so dendrites
    /// there would never train nor move. An empty container the root does not reach is taken off again.
    /// </summary>
    private static DendriteHookContainer? RootContainer(nn.Module model, string path, ref DendriteHookContainer? container)
    {
        container ??= CreateContainer(model, path);
        var created = container;
        if (model.named_children().Any(c => ReferenceEquals(c.module, created)))
        {
            return container;
        }

        if (container.Count == 0)
        {
            TorchSharpInternals.RemoveSubmodule(model, DendriteHookContainer.RegisteredName);
            container = null;
        }

        return null;
    }

    private static DendriteHookContainer CreateContainer(nn.Module model, string path)
    {
        if (TorchSharpInternals.Submodules(model).ContainsKey(DendriteHookContainer.RegisteredName))
        {
            throw new DendriteWrapException($"The model already has a submodule named '{DendriteHookContainer.RegisteredName}', which hooked dendrites need for their weights. Rename it, or type layer '{path}''s field as Module<Tensor, Tensor>.");
        }

        var container = new DendriteHookContainer();
        model.register_module(DendriteHookContainer.RegisteredName, container);
        return container;
    }
}
