using System;
using System.Collections.Generic;
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
            AddDendrites(dendrites);
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
    /// Adds <paramref name="count"/> dendrite sets on the host weight's current device and dtype. The layer's output
    /// is unchanged until they train. Rebuild optimizers afterwards: the new parameters are returned.
    /// </summary>
    /// <param name="count">Number of sets to add; at least 1. Default 1.</param>
    /// <returns>The new sets.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1; nothing is added.</exception>
    public IReadOnlyList<DendriteSet> AddDendrites(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return Branch.Add(count, Weight.device, Weight.dtype);
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

    /// <summary>Gives the host module its current weights (after training or a device move) and returns it.</summary>
    /// <returns>The host module, ready to stand in the model again.</returns>
    public nn.Module DetachHost()
    {
        // TorchSharp's setters touch the parameter they replace, which a device or dtype move has already disposed,
        // so the host's fields and registry are set directly.
        TorchSharpInternals.SetHostParameter(Host, WeightKey, Weight);
        TorchSharpInternals.SetHostParameter(Host, BiasKey, Bias);
        return Host;
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
