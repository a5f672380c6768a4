using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// A host layer (Linear, Conv1d, Conv2d or Conv3d) with dendrite sets. It computes exactly what the host computes
/// (same stride, padding, dilation, groups and bias), plus, per neuron, the cascade of dendrites described in
/// docs/concepts.md. The host runs as its own GEMM or convolution, and the dendrite sets either as one call each or as
/// one call over their concatenated weights (<see cref="DendriteOptions.Projection"/>).
/// </summary>
/// <remarks>
/// Saved-weight keys keep the host's names: <c>weight</c> and <c>bias</c> are the host's own parameters, and the
/// dendrites sit under <c>dendrites.{k}.weight</c>, <c>.bias</c>, <c>.u</c> and <c>.v</c>. Adding dendrites never
/// changes the output at that moment, because each new set's u and v start at zero.
/// </remarks>
public sealed class DendriteLayer : nn.Module<Tensor, Tensor>, IStructureSource
{
    internal const string BranchKey = "dendrites";
    private const string WeightKey = "weight";
    private const string BiasKey = "bias";

    /// <summary>Wraps <paramref name="host"/>; its parameters become this layer's <c>weight</c> and <c>bias</c>.</summary>
    /// <param name="host">A Linear, Conv1d, Conv2d or Conv3d module. It keeps its parameter objects.</param>
    /// <param name="options">How the dendrites compute; <see cref="DendriteOptions.Default"/> when null.</param>
    /// <param name="dendrites">Number of dendrite sets to add now (default 0).</param>
    /// <exception cref="UnsupportedHostException">The host is of an unsupported type (the message lists the supported ones).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative dendrite count.</exception>
    /// <exception cref="InvalidOptionsException">An invalid option.</exception>
    public DendriteLayer(nn.Module host, DendriteOptions? options = null, int dendrites = 0)
        : this(host, HostLayerSpec.From(host), options ?? DendriteOptions.Default, dendrites, string.Empty)
    {
    }

    internal DendriteLayer(nn.Module host, HostLayerSpec spec, DendriteOptions options, int dendrites, string name)
        : base("DendriteLayer")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(dendrites);
        Host = host;
        Spec = spec;
        LayerName = name;
        var (weight, bias) = HostParameters(host);
        register_parameter(WeightKey, weight);
        if (bias is not null)
        {
            register_parameter(BiasKey, bias);
        }

        Branch = new DendriteBranch(spec, options);
        register_module(BranchKey, Branch);
        if (dendrites > 0)
        {
            AddSets(dendrites);
        }
    }

    /// <summary>
    /// The original host module; it gets the current host weights back on <see cref="DetachHost"/>. Until then it
    /// holds the weights it had when wrapped: after a move or dtype change of the model (<c>model.to(...)</c>, which
    /// disposes those tensors) they are no longer valid, so use <see cref="Weight"/> and <see cref="Bias"/>, not
    /// <c>Host</c>'s, while the layer is wrapped.
    /// </summary>
    public nn.Module Host { get; }

    /// <summary>The host's shape and hyper-parameters.</summary>
    public HostLayerSpec Spec { get; }

    /// <summary>The dendrite sets and their cascade.</summary>
    public DendriteBranch Branch { get; }

    /// <summary>The host weight (saved as <c>weight</c>).</summary>
    public Parameter Weight => get_parameter(WeightKey)!;

    /// <summary>The host bias (saved as <c>bias</c>); null when the host has none.</summary>
    public Parameter? Bias => has_parameter(BiasKey) ? get_parameter(BiasKey) : null;

    /// <summary>
    /// Whether the dendrites take part in <see cref="forward"/>. When false the output is exactly the host's.
    /// Default true. Switching it changes no weights, so A/B comparisons run on the same parameters.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Number of dendrite sets (dendrites per neuron).</summary>
    public int DendriteCount => Branch.Count;

    /// <summary>The layer's path in the model it was wrapped in; empty when built directly.</summary>
    public string LayerName { get; }

    /// <summary>How many times <see cref="forward"/> ran; the wrapper checks it to prove the layer is in use.</summary>
    internal long ForwardCalls { get; private set; }

    /// <summary>
    /// Called with the host's output on every forward (also when <c>forward</c> is called directly, which TorchSharp
    /// hooks miss); the wrapper counts output positions with it. Null normally.
    /// </summary>
    internal Action<Tensor>? HostOutputObserver { get; set; }

    /// <summary>
    /// The handle that holds this layer (<see cref="Dendrites.Wrap"/> or <see cref="Dendrites.Adopt"/>) and the
    /// layer's path in its model; null while none does (built by hand and not adopted, or unwrapped). Weak, so that a
    /// layer kept after its model is gone keeps neither alive. While set, <see cref="AddDendrites"/> and
    /// <see cref="DetachHost"/> refuse: they would change this layer alone behind the handle's back.
    /// </summary>
    internal LayerOwner? Owner { get; set; }

    /// <summary>
    /// The layer's path in the model of the live handle that holds it; null when none does. A handle counts only while
    /// its model still has it (<see cref="Dendrites.TryGetHandle"/>), which covers an unwrapped handle and one dropped
    /// without <see cref="DendriticModel.Unwrap"/> (a refused checkpoint load adopts, then forgets, the model).
    /// </summary>
    internal string? OwnerPath() =>
        Owner is { } owner && owner.Handle.TryGetTarget(out var handle)
            && Dendrites.TryGetHandle(handle.Model, out var current) && ReferenceEquals(current, handle)
            ? owner.Path
            : null;

    /// <summary>
    /// Adds <paramref name="count"/> dendrite sets on the host weight's current device and dtype. The layer's output
    /// is unchanged until they train. Rebuild optimizers afterwards: the new parameters are returned, as
    /// <see cref="DendriticModel.AddDendrites"/> returns them (the new sets themselves are the last
    /// <paramref name="count"/> of <see cref="DendriteBranch.Sets"/>).
    /// </summary>
    /// <param name="count">Number of sets to add; at least 1. Default 1.</param>
    /// <returns>The new sets' parameters, materialised, set by set.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1; nothing is added.</exception>
    /// <exception cref="InvalidOperationException">
    /// The layer belongs to a <see cref="DendriticModel"/> handle (it was wrapped by <see cref="Dendrites.Wrap"/>, or
    /// adopted by <see cref="Dendrites.Adopt"/>, and not unwrapped): grow it through the handle's
    /// <see cref="DendriticModel.AddDendrites"/>, which grows every wrapped layer alike. The message names the layer's
    /// path; nothing is added.
    /// </exception>
    public IReadOnlyList<Parameter> AddDendrites(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ThrowIfOwned(count, $"grow it through the handle instead: handle.AddDendrites({count}) adds {count} set(s) to every wrapped layer, as the growth scheduler does, and returns the new parameters. Growing this layer alone would put it out of step with the handle's other layers (DendriteCount, RemoveLastDendrites, the scheduler and checkpoints count sets per layer)");
        return AddSets(count);
    }

    /// <summary>Adds <paramref name="count"/> sets on the host weight's device and dtype without the ownership check (the constructor's path).</summary>
    internal IReadOnlyList<Parameter> AddSets(int count)
    {
        var weight = Weight;
        return Branch.Add(count, weight.device, weight.dtype).SelectMany(s => s.parameters()).ToList();
    }

    /// <summary>Host output plus dendrites (or the host output alone when <see cref="Enabled"/> is false).</summary>
    /// <param name="input">Input shaped as the host expects it.</param>
    /// <returns>Output shaped as the host's.</returns>
    /// <exception cref="HostSettingsChangedException">A convolution host's stride, padding, dilation, groups or padding mode was changed after this layer was built, or the host (or this layer) was given a weight of another shape.</exception>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);

        // This layer computes the host from Spec and its own weight, so a setting changed on Host since, or a weight of
        // another shape given to it, would otherwise be ignored.
        var weight = Weight;
        HostSettingsCheck.ThrowIfChanged(Spec, Host, weight, LayerName);
        ForwardCalls++;
        if (HostOutputObserver is null)
        {
            // A wrapped layer's attachment records itself through the observer, and also knows when it is unwrapped.
            StructureWatch.Record(this);
        }

        var bias = Bias;
        if (!Enabled || Branch.Count == 0)
        {
            var plain = HostProjection.Single(Spec, input, weight, bias);
            HostOutputObserver?.Invoke(plain);
            return plain;
        }

        if (Branch.ProjectionFor(input) == DendriteProjection.FusedWithHost)
        {
            return Branch.AddWithFusedHost(input, weight, bias, HostOutputObserver);
        }

        // A kernel that sums the bias gradients in its own backward spares autograd's reductions (a large share of a
        // small layer's step); the output is the same, the biases being added detached in the same products.
        if (bias is not null && Branch.BiasGradientKernelFor(input, bias) is { } biasKernel
            && Branch.AddWithBiasGradients(biasKernel, input, weight, bias, HostOutputObserver) is { } withBiasGradients)
        {
            return withBiasGradients;
        }

        // The host runs as its own call, exactly as the plain layer would, so that switching dendrites off or adding
        // the first set leaves its output bit for bit unchanged; the dendrite sets follow (DendriteOptions.Projection).
        var hostOutput = HostProjection.Single(Spec, input, weight, bias);
        HostOutputObserver?.Invoke(hostOutput);
        var output = Branch.AddTo(input, hostOutput, ownsHostOutput: true);
        if (!ReferenceEquals(output, hostOutput))
        {
            // Only this layer holds the host output; the sum that replaces it no longer needs it.
            hostOutput.Dispose();
        }

        return output;
    }

    /// <summary>
    /// Gives the host module its current weights (after training or a device move) and returns it, for a layer built
    /// by hand; a wrapped or adopted layer's host goes back through <see cref="DendriticModel.Unwrap"/>.
    /// </summary>
    /// <returns>The host module, ready to stand in the model again.</returns>
    /// <exception cref="InvalidOperationException">
    /// The layer belongs to a <see cref="DendriticModel"/> handle (wrapped or adopted, and not unwrapped): call the
    /// handle's <see cref="DendriticModel.Unwrap"/>, which puts every host back in its place with its trained weights.
    /// The message names the layer's path; nothing changes.
    /// </exception>
    public nn.Module DetachHost()
    {
        ThrowIfOwned(null, "take the dendrites away through the handle instead: handle.Unwrap() puts every host back in its place in the model, with its trained weights. Detaching this host alone would leave this layer in the model and the handle still counting it");
        return DetachHostCore();
    }

    /// <summary>What <see cref="DetachHost"/> does, owned or not: the handle's <see cref="DendriticModel.Unwrap"/> calls it.</summary>
    internal nn.Module DetachHostCore()
    {
        // TorchSharp's setters touch the parameter they replace, which a device or dtype move has already disposed,
        // so the host's fields and registry are set directly.
        TorchSharpInternals.SetHostParameter(Host, WeightKey, Weight);
        TorchSharpInternals.SetHostParameter(Host, BiasKey, Bias);
        return Host;
    }

    /// <summary>Throws when a live, not unwrapped handle holds this layer: <paramref name="fix"/> says what to call on it.</summary>
    private void ThrowIfOwned(int? count, string fix)
    {
        if (OwnerPath() is not { } path)
        {
            return;
        }

        var which = path.Length == 0 ? "This DendriteLayer (the adopted model itself)" : $"Layer '{path}'";
        var call = count is { } n ? $"AddDendrites({n})" : "DetachHost()";
        throw new InvalidOperationException($"{which} belongs to a DendriticModel handle (from Dendrites.Wrap or Dendrites.Adopt), so {call} on the layer is refused; {fix}. Lost the handle? Dendrites.TryGetHandle(model, out var handle) finds it again. Nothing was changed.");
    }

    /// <inheritdoc />
    string IStructureSource.StructureName => LayerName.Length == 0 ? Spec.ToString() : LayerName;

    /// <inheritdoc />
    LayerStructure IStructureSource.CurrentStructure(bool trained) => LayerStructure.Of(Branch, attached: true, Enabled, Weight, Bias, trained ? LayerStructure.WeightAndBias(Weight, Bias) : null);

    internal static (Parameter Weight, Parameter? Bias) HostParameters(nn.Module host) => host switch
    {
        Linear linear => (linear.weight!, linear.bias),
        Convolution conv => (conv.weight!, conv.bias),
        _ => throw new UnsupportedHostException(string.Empty, host.GetType().Name, $"A {host.GetType().Name} cannot carry dendrites: only {HostLayerSpec.SupportedTypeNames} layers can."),
    };
}
