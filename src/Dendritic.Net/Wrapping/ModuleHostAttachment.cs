using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// A module host (<see cref="HostKind.Module"/>: an Embedding, LayerNorm, LSTM, GRU or a block of the user's) left in
/// place, whose dendrites, each a re-initialised copy of it, are added by a forward hook. The copies and their u and v
/// live in the root's container, or on the host itself when the root does not walk its registered children (a
/// Sequential root lists only its items), so the host's own keys and native (libtorch) modules are untouched, and
/// unwrapping removes the hook and the dendrites. Works for <c>Module&lt;T, TOut&gt;</c> and <c>Module&lt;T1, T2, TOut&gt;</c>; a result
/// other than one tensor goes through the host's <see cref="IOutputProcessor{TOutput}"/>.
/// </summary>
// The branch is owned by the model's container, which disposes it with the model.
#pragma warning disable CA1001
internal sealed class ModuleHostAttachment : LayerAttachment
#pragma warning restore CA1001
{
    private static readonly MethodInfo HookOne = typeof(ModuleHostAttachment).GetMethod(nameof(InstallOne), BindingFlags.NonPublic | BindingFlags.Instance)!;
    private static readonly MethodInfo HookTwo = typeof(ModuleHostAttachment).GetMethod(nameof(InstallTwo), BindingFlags.NonPublic | BindingFlags.Instance)!;
    private readonly nn.Module _host;
    private readonly DendriteHookContainer? _container;
    private readonly string _key;
    private readonly DendriteBranch _branch;
    private Action? _removeHook;
    private long _calls;

    private ModuleHostAttachment(string path, nn.Module host, HostLayerSpec spec, ModuleHost moduleHost, DendriteOptions options, DendriteHookContainer? container)
        : base(path, spec)
    {
        _host = host;
        _container = container;
        _key = container is null ? DendriteLayer.BranchKey : DendriteHookContainer.KeyFor(path);
        _branch = new DendriteBranch(spec, options, new ModuleCopies(path, spec.ModuleType, () => moduleHost.CreateCopy(host)));
        ModuleHost = moduleHost;
    }

    public ModuleHost ModuleHost { get; }

    /// <summary>The host module, which stays where it is in the model.</summary>
    public nn.Module Host => _host;

    /// <summary>Every module that is a module host or lies inside one (such a native module is counted in its host's row).</summary>
    /// <param name="attachments">The handle's attachments.</param>
    /// <returns>The modules, compared by reference.</returns>
    public static HashSet<object> HostedModules(IEnumerable<LayerAttachment> attachments) =>
        attachments.OfType<ModuleHostAttachment>()
            .SelectMany(a => a.Host.named_modules().Select(m => (object)m.module).Prepend(a.Host))
            .ToHashSet(ReferenceEqualityComparer.Instance);

    public override AttachMode Mode => AttachMode.Hooked;

    public override DendriteBranch Branch => _branch;

    public override bool Enabled { get; set; } = true;

    public override long ForwardCalls => _calls;

    /// <summary><c>dendrites.{path with _}.</c> in the root's container, or <c>{path}.dendrites.</c> on the host.</summary>
    public override string DendriteKeyPrefix => _container is null
        ? (Path.Length == 0 ? string.Empty : Path + ".") + DendriteLayer.BranchKey + "."
        : DendriteHookContainer.RegisteredName + "." + _key + ".";

    /// <summary>The host's first own parameter: where new copies are made (device and dtype).</summary>
    public override Parameter HostWeight => HostParameters().First();

    /// <summary>A module host has no single bias.</summary>
    public override Parameter? HostBias => null;

    public override long HostParameterCount => HostParameters().Sum(p => p.numel());

    /// <summary>Every parameter of the host, by its name on the host, without its dendrites (which may live on it).</summary>
    public override IReadOnlyList<(string Name, Parameter Parameter)> NamedHostParameters()
    {
        var dendrites = _container is null ? _branch.parameters().Select(p => p.Handle).ToHashSet() : new HashSet<IntPtr>();
        return _host.named_parameters().Where(p => !dendrites.Contains(p.parameter.Handle)).Select(p => (p.name, p.parameter)).ToList();
    }

    /// <summary>
    /// Checks that <paramref name="host"/> can be hooked with <paramref name="moduleHost"/> (its arity, its result type
    /// and the processor) and attaches it; the messages name the layer, its type and what is missing. The dendrites live
    /// in <paramref name="container"/> (the root's) or, when null, on the host itself as its submodule <c>dendrites</c>.
    /// </summary>
    public static ModuleHostAttachment Attach(string path, nn.Module host, ModuleHost moduleHost, DendriteOptions options, DendriteHookContainer? container)
    {
        var type = host.GetType().Name;
        var arguments = ModuleArguments(host.GetType());
        if (arguments is null)
        {
            throw new DendriteWrapException($"Layer '{path}' ({type}) is not a Module<T, TResult> or Module<T1, T2, TResult>, so no forward hook can add dendrites to it.");
        }

        var result = arguments[^1];
        if (result != moduleHost.OutputType)
        {
            throw new DendriteWrapException(moduleHost.Processor is null
                ? $"Layer '{path}' ({type}) returns {Describe(result)}, not one tensor: dendrites need to know which tensor carries the neurons. Give WrapOptions.ModuleHosts a ModuleHost.For<{type}, {Describe(result)}>(..., processor) with an IOutputProcessor<{Describe(result)}> (see docs/wrapping.md, \"Dendrites on any module\")."
                : $"Layer '{path}' ({type}) returns {Describe(result)}, but its {moduleHost} has a processor for {Describe(moduleHost.OutputType)}. Give it an IOutputProcessor<{Describe(result)}>.");
        }

        if (!host.parameters().Any())
        {
            throw new DendriteWrapException($"Layer '{path}' ({type}) has no parameters; a dendrite copy of it would have nothing to learn. Select a module with weights.");
        }

        long neurons;
        try
        {
            neurons = moduleHost.NeuronsOf(host);
        }
        catch (Exception e) when (e is not DendriticException)
        {
            throw new DendriteWrapException($"Layer '{path}' ({type}): reading its neuron count failed: {e.Message}", e);
        }

        if (neurons < 1)
        {
            throw new DendriteWrapException($"Layer '{path}' ({type}) reports {neurons} neurons; a module host needs at least 1.");
        }

        if (container is null && TorchSharpInternals.Submodules(host).ContainsKey(DendriteLayer.BranchKey))
        {
            throw new DendriteWrapException($"Layer '{path}' ({type}) already has a submodule named '{DendriteLayer.BranchKey}', where its dendrites would live. Rename it.");
        }

        var attachment = new ModuleHostAttachment(path, host, HostLayerSpec.ForModule(host, neurons, moduleHost.NeuronAxis), moduleHost, options, container);
        if (container is null)
        {
            host.register_module(DendriteLayer.BranchKey, attachment._branch);
        }
        else
        {
            container.Attach(attachment._key, attachment._branch);
        }

        var processor = moduleHost.Processor ?? new TensorIdentity();
        var install = (arguments.Length == 2 ? HookOne : HookTwo).MakeGenericMethod(arguments);
        attachment._removeHook = (Action)install.Invoke(attachment, new[] { host, processor })!;
        return attachment;
    }

    protected override void DetachCore()
    {
        _removeHook?.Invoke();
        _removeHook = null;
        if (_container is null)
        {
            TorchSharpInternals.RemoveSubmodule(_host, DendriteLayer.BranchKey);
        }
        else
        {
            _container.Detach(_key);
        }
    }

    /// <summary>The host's parameters without its dendrites (which may live on it).</summary>
    private IEnumerable<Parameter> HostParameters() => NamedHostParameters().Select(p => p.Parameter);

    private Action InstallOne<T1, TResult>(nn.Module<T1, TResult> host, IOutputProcessor<TResult> processor)
    {
        var remover = host.register_forward_hook((_, input, output) =>
            OnForward(processor, output, set => processor.Extract(((nn.Module<T1, TResult>)set.Module!).call(input))));
        return remover.remove;
    }

    private Action InstallTwo<T1, T2, TResult>(nn.Module<T1, T2, TResult> host, IOutputProcessor<TResult> processor)
    {
        var remover = host.register_forward_hook((_, first, second, output) =>
            OnForward(processor, output, set => processor.Extract(((nn.Module<T1, T2, TResult>)set.Module!).call(first, second))));
        return remover.remove;
    }

    private TResult OnForward<TResult>(IOutputProcessor<TResult> processor, TResult output, Func<DendriteSet, Tensor> runCopy)
    {
        _calls++;
        var selected = processor.Extract(output);
        Observe(selected);
        if (!Enabled || _branch.Count == 0)
        {
            return output;
        }

        var scale = _branch.Sets[0].OutputScale;
        if (scale.dtype != selected.dtype || scale.device.type != selected.device.type || scale.device.index != selected.device.index)
        {
            throw new DendriteWrapException($"The dendrites of '{Path}' ({Spec.ModuleType}) are on {scale.device} as {scale.dtype}, but its output is on {selected.device} as {selected.dtype}: moving the model did not move them. TorchSharp's LayerNorm moves only its own weight and bias, and its dendrites live on it when the model is a Sequential. Move the model before wrapping it, or hold the Sequential in a model class of your own, whose container the move reaches.");
        }

        ThrowIfNeuronsElsewhere(selected);
        return processor.Rebuild(output, _branch.AddCopies(set => SameShapeAsHost(runCopy(set), selected), selected));
    }

    /// <summary>
    /// Refuses an output whose neuron axis does not hold the neurons the host's <see cref="ModuleHost"/> counted, naming
    /// the layer and both numbers: either the count (its neurons function) or the axis is wrong, and only the user knows which.
    /// </summary>
    private void ThrowIfNeuronsElsewhere(Tensor selected)
    {
        var axis = Spec.NeuronAxisIndex((int)selected.dim());
        if (axis is { } index && selected.shape[index] == Spec.OutFeatures)
        {
            return;
        }

        var there = axis is { } at ? $"which holds {selected.shape[at]} there" : "which has no such axis";
        throw new DendriteWrapException($"The output of '{Path}' ({Spec.ModuleType}) has shape [{string.Join(", ", selected.shape)}]; its {ModuleHost} counts {Spec.OutFeatures} neurons on axis {Spec.NeuronAxis}, {there}. Fix whichever is wrong: the neuron count (the neurons function of ModuleHost.For, or IDendriteHost.Neurons) or the axis (ModuleHost.WithNeuronAxis, or IDendriteHost.NeuronAxis).");
    }

    /// <summary>
    /// A dendrite copy's output, refused unless it is shaped like the host's: a copy factory that builds another size
    /// (another width, another output size) made a broadcast error in the cascade, which read as a wrong sample input.
    /// </summary>
    private Tensor SameShapeAsHost(Tensor copyOutput, Tensor hostOutput)
    {
        if (copyOutput.shape.AsSpan().SequenceEqual(hostOutput.shape))
        {
            return copyOutput;
        }

        throw new DendriteWrapException($"A dendrite copy of '{Path}' ({Spec.ModuleType}) returns shape [{string.Join(", ", copyOutput.shape)}] where the layer returns [{string.Join(", ", hostOutput.shape)}]: its {ModuleHost} makes copies of another size. A copy must compute the layer's output from the same input: check the copy factory (ModuleHost.For's first argument, or IDendriteHost.CreateFreshCopy).");
    }

    /// <summary>The type arguments of the module's Module&lt;...&gt; base: [T, TResult] or [T1, T2, TResult]; null for other modules.</summary>
    private static Type[]? ModuleArguments(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(nn.Module<,>) || type.GetGenericTypeDefinition() == typeof(nn.Module<,,>)))
            {
                return type.GetGenericArguments();
            }
        }

        return null;
    }

    private static string Describe(Type type) => type == typeof(Tensor) ? "Tensor"
        : type.IsGenericType && type.FullName!.StartsWith("System.ValueTuple", StringComparison.Ordinal) ? "(" + string.Join(", ", type.GetGenericArguments().Select(Describe)) + ")"
        : type.Name;

    /// <summary>The processor of a module that returns one tensor: that tensor.</summary>
    private sealed class TensorIdentity : IOutputProcessor<Tensor>
    {
        public Tensor Extract(Tensor output) => output;

        public Tensor Rebuild(Tensor output, Tensor selected) => selected;
    }
}
