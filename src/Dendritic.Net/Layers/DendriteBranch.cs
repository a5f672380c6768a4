using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// The dendrite sets of one host layer and the cascade that combines them:
/// a_0 = f(D_0 x), a_k = f(D_k x + Σ_{i&lt;k} v_{k,i} a_i), y = host(x) + Σ_k u_k a_k, per neuron.
/// Its children are named <c>0</c>, <c>1</c>, ... in cascade order.
/// </summary>
public sealed partial class DendriteBranch : nn.Module
{
    private readonly List<DendriteSet> _sets = new();

    internal DendriteBranch(HostLayerSpec spec, DendriteOptions options, ModuleCopies? copies = null)
        : base("DendriteBranch")
    {
        if (spec.Kind == HostKind.Module && copies is null)
        {
            throw new ArgumentNullException(nameof(copies), "A module host's dendrites need a copy factory.");
        }

        Spec = spec;
        Options = options.Validate();
        _copies = copies;
    }

    private readonly ModuleCopies? _copies;

    /// <summary>The host layer these dendrites belong to.</summary>
    public HostLayerSpec Spec { get; }

    /// <summary>The options the dendrites compute with.</summary>
    public DendriteOptions Options { get; }

    /// <summary>The dendrite sets in cascade order.</summary>
    public IReadOnlyList<DendriteSet> Sets => _sets;

    /// <summary>Number of dendrite sets (dendrites per neuron).</summary>
    public int Count => _sets.Count;

    /// <summary>Appends <paramref name="count"/> new sets on the given device and dtype; their u and v are zero.</summary>
    internal IReadOnlyList<DendriteSet> Add(int count, Device device, ScalarType dtype)
    {
        var added = new List<DendriteSet>(count);
        for (var i = 0; i < count; i++)
        {
            var set = _copies is null
                ? new DendriteSet(Spec, _sets.Count, Options, device, dtype)
                : new DendriteSet(Spec, _sets.Count, _copies.Fresh(Options, device, dtype), _copies.LayerPath, device, dtype);
            register_module(_sets.Count.ToString(CultureInfo.InvariantCulture), set);
            _sets.Add(set);
            added.Add(set);
        }

        return added;
    }

    /// <summary>Removes the last <paramref name="count"/> sets (used when a growth step is reverted).</summary>
    internal void RemoveLast(int count)
    {
        for (var i = 0; i < count && _sets.Count > 0; i++)
        {
            var last = _sets.Count - 1;
            TorchSharpInternals.RemoveSubmodule(this, last.ToString(CultureInfo.InvariantCulture));
            _sets[last].Dispose();
            _sets.RemoveAt(last);
        }
    }

    /// <summary>
    /// Removes the sets at <paramref name="indices"/> from anywhere in the cascade (used by pruning). Later sets move
    /// down and lose the cascade weights (v rows) that read the removed sets, so each keeps reading the same earlier
    /// activations. Sets before the first removed one keep their objects; later ones are rebuilt with the same values
    /// and each parameter's requires_grad (their index and v shape change), so optimizers must be rebuilt afterwards.
    /// </summary>
    internal void RemoveAt(IReadOnlyCollection<int> indices)
    {
        var removed = new HashSet<int>(indices.Where(i => i >= 0 && i < _sets.Count));
        if (removed.Count == 0)
        {
            return;
        }

        var first = removed.Min();
        var old = _sets.ToList();
        for (var i = first; i < old.Count; i++)
        {
            TorchSharpInternals.RemoveSubmodule(this, i.ToString(CultureInfo.InvariantCulture));
        }

        _sets.RemoveRange(first, old.Count - first);
        var kept = Enumerable.Range(0, old.Count).Where(i => !removed.Contains(i)).ToList();
        using (no_grad())
        {
            foreach (var o in kept.Where(o => o > first))
            {
                var source = old[o];
                var scale = source.OutputScale;
                DendriteSet set;
                if (source.Module is { } copy)
                {
                    // A module host's copy moves to the rebuilt set as it is; the old set must not dispose it.
                    TorchSharpInternals.RemoveSubmodule(source, DendriteSet.ModuleKey);
                    set = new DendriteSet(Spec, _sets.Count, copy, _copies!.LayerPath, scale.device, scale.dtype);
                }
                else
                {
                    set = new DendriteSet(Spec, _sets.Count, Options, source.Weight.device, source.Weight.dtype);
                    set.Weight.copy_(source.Weight);
                    set.Bias?.copy_(source.Bias!);
                }

                set.OutputScale.copy_(source.OutputScale);
                if (set.CascadeWeights is not null)
                {
                    var rows = kept.Where(i => i < o).Select(i => (long)i).ToArray();
                    using var index = tensor(rows, device: scale.device);
                    set.CascadeWeights.copy_(source.CascadeWeights!.index_select(0, index));
                }

                // Per parameter, not Frozen's all-or-nothing: cascade-correlation freezes a set's inputs and leaves its u to train.
                CopyTrainability(source, set);
                register_module(_sets.Count.ToString(CultureInfo.InvariantCulture), set);
                _sets.Add(set);
            }
        }

        foreach (var o in Enumerable.Range(first, old.Count - first))
        {
            old[o].Dispose();
        }
    }

    /// <summary>Gives each parameter of <paramref name="target"/> the <c>requires_grad</c> of its namesake in <paramref name="source"/>.</summary>
    private static void CopyTrainability(DendriteSet source, DendriteSet target)
    {
        var wanted = source.named_parameters().ToDictionary(p => p.name, p => p.parameter.requires_grad, StringComparer.Ordinal);
        foreach (var (name, parameter) in target.named_parameters())
        {
            if (wanted.TryGetValue(name, out var trainable))
            {
                parameter.requires_grad = trainable;
            }
        }
    }

    /// <summary>The dendrite pre-activations D_k x (plus bias) of every set, by the path <see cref="ProjectionFor"/> picks.</summary>
    internal Tensor[] PreActivations(Tensor input) => PreActivations(input, ProjectionFor(input));

    /// <summary>The dendrite pre-activations D_k x (plus bias) of every set, by the given path.</summary>
    internal Tensor[] PreActivations(Tensor input, DendriteProjection path) => Project(input, path).Parts;

    /// <summary>
    /// The dendrite pre-activations of every set by the given path, and the fused call's whole output when the parts
    /// are its consecutive chunks (<see cref="HostProjection.FusedWithWhole"/>; null on the separate path). With
    /// <paramref name="detachBiases"/> the biases are added detached (their gradients then come from a kernel).
    /// </summary>
    private (Tensor? Whole, Tensor[] Parts) Project(Tensor input, DendriteProjection path, bool detachBiases = false)
    {
        var weights = _sets.Select(s => (Tensor)s.Weight).ToArray();
        var biases = _sets.Select(s => detachBiases ? s.Bias?.detach() : s.Bias).ToArray();
        return path == DendriteProjection.Separate
            ? (null, HostProjection.Separate(Spec, input, weights, biases))
            : HostProjection.FusedWithWhole(Spec, input, weights, biases);
    }

    /// <summary>The projection path (Separate or Fused) this branch takes for <paramref name="input"/>.</summary>
    internal DendriteProjection ProjectionFor(Tensor input) => HostProjection.Resolve(Options.Projection, input.device, _sets.Count, Spec.Kind, inference: !is_grad_enabled());

    /// <summary>Runs the cascade on precomputed pre-activations and adds each set's contribution to the host output.</summary>
    internal Tensor Combine(Tensor hostOutput, IReadOnlyList<Tensor> preActivations, List<Tensor>? activations = null)
    {
        var output = hostOutput;
        var previous = activations ?? new List<Tensor>(_sets.Count);
        var neuronShape = Spec.NeuronShape(hostOutput);
        for (var k = 0; k < _sets.Count; k++)
        {
            var pre = preActivations[k];
            var cascade = _sets[k].CascadeWeights;
            for (var i = 0; i < k; i++)
            {
                pre = pre.addcmul(InPlaceCascade.PerNeuron(cascade![i], neuronShape), previous[i], CachedScalars.One);
            }

            var activation = Activate(pre);
            Tap?.Record(activation);
            previous.Add(activation);
            output = output.addcmul(InPlaceCascade.PerNeuron(_sets[k].OutputScale, neuronShape), activation, CachedScalars.One);
        }

        return output;
    }

    /// <summary>
    /// <see cref="Combine"/> that overwrites the pre-activations and the host output, which this layer alone holds,
    /// instead of allocating a new output-sized tensor per operation: in inference, and in training when the
    /// pre-activations are separate tensors (autograd then records the in-place operations; none overwrites a tensor
    /// a backward formula saved). Same operations in the same order, so the result is bit for bit the same.
    /// </summary>
    internal Tensor CombineInPlace(Tensor hostOutput, Tensor[] preActivations) => InPlaceCascade.Run(
        hostOutput,
        preActivations,
        OutputScales(),
        CascadeWeights(),
        Options.Activation,
        Spec.NeuronShape(hostOutput),
        tap: Tap);

    /// <summary>The host output plus every set's contribution, for an input whose host output is already known.</summary>
    /// <param name="input">The host's input.</param>
    /// <param name="hostOutput">The host's output for it.</param>
    /// <param name="ownsHostOutput">
    /// Whether the caller alone holds <paramref name="hostOutput"/> (DendriteLayer computed it). A forward hook's host
    /// output may also be held by other hooks, which in training may have built on it; it is then copied once before
    /// the in-place cascade (inference overwrites it, as before).
    /// </param>
    internal Tensor AddTo(Tensor input, Tensor hostOutput, bool ownsHostOutput = false)
    {
        if (_sets.Count == 0)
        {
            return hostOutput;
        }

        var observer = Observer;
        if (observer is null)
        {
            // Separate calls give fresh tensors this layer alone holds, so training may overwrite them as inference
            // does: autograd saves no tensor that the in-place cascade changes afterwards. The fused path's outputs
            // are views of one split, which autograd forbids changing in place. The fused weights, per-set views and
            // intermediate sums die in this scope, not in the caller's or, without one, in the finalizer queue: only
            // the output leaves (the autograd graph keeps what backward needs).
            using var scope = NewDisposeScope();
            var path = ProjectionFor(input);
            var (whole, preActivations) = Project(input, path);
            if (TryKernel(hostOutput, preActivations, mayOverwriteHostOutput: !is_grad_enabled(), preActivationsOwned: path == DendriteProjection.Separate, whole) is { } fused)
            {
                return ReferenceEquals(fused, hostOutput) ? fused : scope.MoveToOuter(fused);
            }

            if (is_grad_enabled() && path != DendriteProjection.Separate)
            {
                return scope.MoveToOuter(Combine(hostOutput, preActivations));
            }

            var target = ownsHostOutput || !is_grad_enabled() ? hostOutput : hostOutput.clone();
            var result = CombineInPlace(target, preActivations);
            // Drop this layer's handles on tensors it no longer reads: autograd keeps what backward needs, the rest is
            // freed now, as Python's reference counting would, so the CPU allocator reuses it instead of page-faulting.
            foreach (var pre in preActivations)
            {
                pre.Dispose();
            }

            // The caller's host output was made outside this scope and stays where it is; only a clone moves out.
            return ReferenceEquals(result, hostOutput) ? result : scope.MoveToOuter(result);
        }

        var activations = new List<Tensor>(_sets.Count);
        var output = Combine(hostOutput, PreActivations(input), activations);
        return observer.Observe(this, activations, output);
    }

    /// <summary>
    /// The host output plus every set's contribution for a <see cref="HostKind.Module"/> host: <paramref name="runCopy"/>
    /// gives each set's pre-activation (its module copy's selected output for the host's input). The cascade allocates
    /// rather than overwriting, as a copy's output may be a view the module still holds. The copies' other outputs
    /// (a recurrent copy's states) and the intermediates die in this scope; only the sum leaves.
    /// </summary>
    internal Tensor AddCopies(Func<DendriteSet, Tensor> runCopy, Tensor hostOutput)
    {
        if (_sets.Count == 0)
        {
            return hostOutput;
        }

        using var scope = NewDisposeScope();
        var preActivations = _sets.Select(runCopy).ToArray();
        if (Observer is { } observer)
        {
            var activations = new List<Tensor>(_sets.Count);
            return scope.MoveToOuter(observer.Observe(this, activations, Combine(hostOutput, preActivations, activations)));
        }

        return scope.MoveToOuter(Combine(hostOutput, preActivations));
    }

    /// <summary>
    /// The host output plus every set's contribution with the host and all sets in one call
    /// (<see cref="DendriteProjection.FusedWithHost"/>); <paramref name="observeHost"/> sees the host's part first.
    /// </summary>
    internal Tensor AddWithFusedHost(Tensor input, Tensor hostWeight, Tensor? hostBias, Action<Tensor>? observeHost)
    {
        var weights = _sets.Select(s => (Tensor)s.Weight).Prepend(hostWeight).ToArray();
        var biases = _sets.Select(s => (Tensor?)s.Bias).Prepend(hostBias).ToArray();
        if (Observer is { } observer)
        {
            // Only during cascade-correlation candidate training: the temporaries stay in the caller's scope, and the
            // observer takes handles of its own on the activations it keeps (CorrelationObserver.Observe).
            var parts = HostProjection.Fused(Spec, input, weights, biases);
            observeHost?.Invoke(parts[0]);
            var activations = new List<Tensor>(_sets.Count);
            var output = Combine(parts[0], parts[1..], activations);
            return observer.Observe(this, activations, output);
        }

        // As in AddTo: the concatenated weights, the wide output and its parts die in this scope; only the sum leaves.
        using var scope = NewDisposeScope();
        var all = HostProjection.Fused(Spec, input, weights, biases);
        observeHost?.Invoke(all[0]);

        // The host part is a view of the wide output: a kernel writes a fresh, contiguous sum and never into the view.
        if (TryKernel(all[0], all[1..], mayOverwriteHostOutput: false, preActivationsOwned: false) is { } fused)
        {
            return scope.MoveToOuter(fused);
        }

        // The parts are views of one split: autograd forbids changing them in place, so training allocates. In
        // inference the in-place sum is a view of the wide output; a contiguous copy lets that buffer go.
        var sum = is_grad_enabled() ? Combine(all[0], all[1..]) : CombineInPlace(all[0], all[1..]).contiguous();
        return scope.MoveToOuter(sum);
    }

    /// <summary>
    /// Offers the cascade to the registered <see cref="CascadeKernels.Current"/>, then to the built-in CPU cascade
    /// (<see cref="DendriteCascade.Auto"/>); null when the options ask for the reference path or every kernel declines,
    /// and the caller then runs the reference path (<see cref="Combine"/> or <see cref="CombineInPlace"/>).
    /// </summary>
    /// <param name="hostOutput">The host's output.</param>
    /// <param name="preActivations">The sets' pre-activations.</param>
    /// <param name="mayOverwriteHostOutput">Whether the result may be written into <paramref name="hostOutput"/>.</param>
    /// <param name="preActivationsOwned">Whether the pre-activations are fresh tensors this layer alone holds (the CPU kernel then keeps its activations in their place).</param>
    /// <param name="whole">The fused projection output the pre-activations are chunks of, if any (<see cref="CascadeInputs.PreActivationsWhole"/>).</param>
    private Tensor? TryKernel(Tensor hostOutput, IReadOnlyList<Tensor> preActivations, bool mayOverwriteHostOutput, bool preActivationsOwned, Tensor? whole = null)
    {
        // While an activation monitor records, the reference path runs: it is where the activations are observed.
        if (Options.Cascade == DendriteCascade.Reference || Tap is not null)
        {
            return null;
        }

        var inputs = CascadeInputsFor(hostOutput, preActivations, mayOverwriteHostOutput, whole);
        return CascadeKernels.Current?.TryCombine(inputs) ?? CpuCascadeKernel.TryCombine(inputs, preActivationsOwned);
    }

    /// <summary>What this branch hands a cascade kernel for the given host output and pre-activations.</summary>
    internal CascadeInputs CascadeInputsFor(Tensor hostOutput, IReadOnlyList<Tensor> preActivations, bool mayOverwriteHostOutput, Tensor? whole = null, IReadOnlyList<Tensor>? biasParameters = null) => new(
        hostOutput,
        preActivations,
        OutputScales(),
        CascadeWeights(),
        Options.Activation,
        (int)hostOutput.dim() - 1 - (Spec.Kind == HostKind.Linear ? 0 : Spec.SpatialDims),
        mayOverwriteHostOutput,
        whole,
        biasParameters);

    /// <summary>
    /// Optional observer of the per-set activations and of the output (cascade-correlation training installs one
    /// for its candidate phase); null normally. Lives on the branch so that replaced and hooked layers both have it.
    /// </summary>
    internal IDendriteLayerObserver? Observer { get; set; }

    /// <summary>The activation monitor's accumulator while one is on (<see cref="ActivationMonitor"/>); null normally.</summary>
    internal ActivationTap? Tap { get; set; }

    internal Tensor Activate(Tensor pre) => Options.Activation switch
    {
        DendriteActivation.Sigmoid => pre.sigmoid(),
        DendriteActivation.Tanh => pre.tanh(),
        DendriteActivation.HardSigmoid => nn.functional.hardsigmoid(pre),
        _ => throw new InvalidOperationException($"Unknown activation {Options.Activation}."),
    };

    /// <summary>Each set's output scale u_k, in set order.</summary>
    private Tensor[] OutputScales() => _sets.Select(s => (Tensor)s.OutputScale).ToArray();

    /// <summary>Each set's cascade weights v_k, in set order (null for the first set).</summary>
    private Tensor?[] CascadeWeights() => _sets.Select(s => (Tensor?)s.CascadeWeights).ToArray();
}
