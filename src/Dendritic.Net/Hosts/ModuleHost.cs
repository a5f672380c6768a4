using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// How a module that is not a Linear or convolution carries dendrites, as the original perforatedai does it: each
/// dendrite set is a freshly initialised copy of the module fed the same input, and its output is combined per neuron
/// of one output axis (the same cascade and zero-initialised u and v as the fast path, so adding sets leaves the
/// output unchanged). Built in: <see cref="Embedding"/>, <see cref="LayerNorm"/>, <see cref="Lstm"/>, <see cref="Gru"/>;
/// anything else through <see cref="For{TModule}"/>, <see cref="For{TModule, TOutput}"/> or <see cref="IDendriteHost"/>.
/// A module host is taken only when a selector names it by name, type or predicate (<see cref="LayerSelector.AllSupported"/>
/// keeps to Linear and convolutions). It is attached by a forward hook, so its parent must call it with <c>call()</c>.
/// </summary>
public sealed class ModuleHost
{
    private ModuleHost(Type moduleType, Func<nn.Module, nn.Module> createCopy, Func<nn.Module, long> neurons, int neuronAxis, object? processor, Type outputType)
    {
        ModuleType = moduleType;
        CreateCopy = createCopy;
        NeuronsOf = neurons;
        NeuronAxis = neuronAxis;
        Processor = processor;
        OutputType = outputType;
    }

    /// <summary>The module type this host applies to (and to types derived from it).</summary>
    public Type ModuleType { get; }

    /// <summary>The output axis that holds the neurons; negative counts from the end. Default -1 (last).</summary>
    public int NeuronAxis { get; }

    /// <summary>TorchSharp's <c>Embedding</c>: a fresh Embedding(rows, dim); neurons are the embedding dimensions (last axis).
    /// padding_idx, max_norm and sparse are not readable in TorchSharp 0.107, so the copies use none of them.</summary>
    public static ModuleHost Embedding { get; } = For<Embedding>(
        e => nn.Embedding(e.weight!.shape[0], e.weight.shape[1]),
        e => e.weight!.shape[1]);

    /// <summary>TorchSharp's <c>LayerNorm</c>: a fresh LayerNorm of the same shape, eps, affinity and bias; neurons are the
    /// last normalised axis.</summary>
    public static ModuleHost LayerNorm { get; } = For<LayerNorm>(
        n => nn.LayerNorm(n.normalized_shape, n.eps, n.elementwise_affine, n.bias is not null),
        n => n.normalized_shape[^1]);

    /// <summary>TorchSharp's <c>LSTM</c>: the sequence output gets dendrites (neurons: hidden size × directions, last
    /// axis); h_n and c_n pass through from the host. Copies have the host's sizes, layers, bias, direction and
    /// batch_first; dropout between layers is not readable in TorchSharp 0.107, so copies use none.</summary>
    public static ModuleHost Lstm { get; } = For<LSTM, (Tensor, Tensor, Tensor)>(
        l => { var c = RecurrentConfig.Of(l); return nn.LSTM(c.Input, c.Hidden, c.Layers, c.Bias, c.BatchFirst, 0, c.Bidirectional); },
        l => RecurrentConfig.Of(l).Neurons,
        new LstmOutputProcessor());

    /// <summary>TorchSharp's <c>GRU</c>: as <see cref="Lstm"/>, with h_n passed through.</summary>
    public static ModuleHost Gru { get; } = For<GRU, (Tensor, Tensor)>(
        g => { var c = RecurrentConfig.Of(g); return nn.GRU(c.Input, c.Hidden, c.Layers, c.Bias, c.BatchFirst, 0, c.Bidirectional); },
        g => RecurrentConfig.Of(g).Neurons,
        new GruOutputProcessor());

    /// <summary>The built-in hosts, tried after <see cref="WrapOptions.ModuleHosts"/>.</summary>
    public static IReadOnlyList<ModuleHost> BuiltIn { get; } = new[] { Embedding, LayerNorm, Lstm, Gru };

    /// <summary>A host for a module type that returns one tensor; neurons on the last axis (see <see cref="WithNeuronAxis"/>).</summary>
    /// <typeparam name="TModule">The module type (derived types match too).</typeparam>
    /// <param name="createCopy">Makes a new module of the same architecture as the given one; its weights are redrawn.</param>
    /// <param name="neurons">The size of the output's neuron axis for the given module.</param>
    /// <returns>The host description.</returns>
    public static ModuleHost For<TModule>(Func<TModule, nn.Module<Tensor, Tensor>> createCopy, Func<TModule, long> neurons)
        where TModule : nn.Module<Tensor, Tensor>
    {
        ArgumentNullException.ThrowIfNull(createCopy);
        ArgumentNullException.ThrowIfNull(neurons);
        return new ModuleHost(typeof(TModule), m => createCopy((TModule)m), m => neurons((TModule)m), -1, null, typeof(Tensor));
    }

    /// <summary>A host for a module type whose result is not one tensor (a tuple): <paramref name="processor"/> picks the
    /// tensor that gets dendrites. The module must be a <c>Module&lt;T, TOutput&gt;</c> or <c>Module&lt;T1, T2, TOutput&gt;</c>.</summary>
    /// <typeparam name="TModule">The module type (derived types match too).</typeparam>
    /// <typeparam name="TOutput">The module's result type.</typeparam>
    /// <param name="createCopy">Makes a new module of the same architecture; its weights are redrawn.</param>
    /// <param name="neurons">The size of the selected tensor's neuron axis for the given module.</param>
    /// <param name="processor">Selects the tensor that gets dendrites and rebuilds the result.</param>
    /// <returns>The host description.</returns>
    public static ModuleHost For<TModule, TOutput>(Func<TModule, TModule> createCopy, Func<TModule, long> neurons, IOutputProcessor<TOutput> processor)
        where TModule : nn.Module
    {
        ArgumentNullException.ThrowIfNull(createCopy);
        ArgumentNullException.ThrowIfNull(neurons);
        ArgumentNullException.ThrowIfNull(processor);
        return new ModuleHost(typeof(TModule), m => createCopy((TModule)m), m => neurons((TModule)m), -1, processor, typeof(TOutput));
    }

    /// <summary>This host with another neuron axis (say 1 for channels-first outputs).</summary>
    /// <param name="axis">The output axis of the neurons; negative counts from the end.</param>
    /// <returns>A new host description.</returns>
    public ModuleHost WithNeuronAxis(int axis) => new(ModuleType, CreateCopy, NeuronsOf, axis, Processor, OutputType);

    /// <summary>A readable summary for logs and errors.</summary>
    /// <returns>The summary.</returns>
    public override string ToString() => $"ModuleHost({ModuleType.Name}, neuron axis {NeuronAxis}{(Processor is null ? string.Empty : ", processor " + Processor.GetType().Name)})";

    internal Func<nn.Module, nn.Module> CreateCopy { get; }

    internal Func<nn.Module, long> NeuronsOf { get; }

    /// <summary>An <see cref="IOutputProcessor{TOutput}"/> of <see cref="OutputType"/>; null for one-tensor modules.</summary>
    internal object? Processor { get; }

    internal Type OutputType { get; }

    /// <summary>The host for a module that implements <see cref="IDendriteHost"/>.</summary>
    internal static ModuleHost FromInterface(nn.Module module)
    {
        var host = (IDendriteHost)module;
        return new ModuleHost(module.GetType(), m => ((IDendriteHost)m).CreateFreshCopy(), m => ((IDendriteHost)m).Neurons, host.NeuronAxis, null, typeof(Tensor));
    }

    /// <summary>The host for <paramref name="module"/>: the user's first (most specific first), its interface, a built-in; null when none.</summary>
    internal static ModuleHost? Find(nn.Module module, IReadOnlyList<ModuleHost> userHosts)
    {
        var type = module.GetType();
        return userHosts.FirstOrDefault(h => h.ModuleType == type)
            ?? userHosts.FirstOrDefault(h => h.ModuleType.IsInstanceOfType(module))
            ?? (module is IDendriteHost ? FromInterface(module) : null)
            ?? BuiltIn.FirstOrDefault(h => h.ModuleType == type);
    }
}
