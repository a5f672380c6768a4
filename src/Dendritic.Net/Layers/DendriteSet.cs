using System;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// One dendrite per neuron of a host layer: a weight set shaped like the host's (and a bias when the host has one),
/// the output scale u (one scalar per neuron) and, for the k-th set, the cascade weights v from the k earlier sets
/// (one scalar per neuron and earlier set). Saved-weight keys: <c>weight</c>, <c>bias</c>, <c>u</c>, <c>v</c>.
/// For a <see cref="HostKind.Module"/> host the set holds a re-initialised copy of the host module instead of a weight
/// (<see cref="Module"/>, keys <c>module.*</c>), with the same u and v.
/// </summary>
public sealed class DendriteSet : nn.Module
{
    internal const string WeightKey = "weight";
    internal const string BiasKey = "bias";
    internal const string OutputScaleKey = "u";
    internal const string CascadeKey = "v";
    internal const string ModuleKey = "module";

    internal DendriteSet(HostLayerSpec spec, int index, DendriteOptions options, Device device, ScalarType dtype)
        : base("DendriteSet")
    {
        Index = index;
        var normal = options.Initialization == DendriteInitialization.Normal;
        var bound = options.InitScale / Math.Sqrt(spec.FanIn);
        Tensor Draw(long[] shape) => normal ? empty(shape, dtype, device).normal_(0, options.InitScale) : empty(shape, dtype, device).uniform_(-bound, bound);
        using (no_grad())
        {
            register_parameter(WeightKey, new Parameter(Draw(spec.WeightShapeArray())));
            if (spec.HasBias)
            {
                register_parameter(BiasKey, new Parameter(Draw(new[] { spec.OutFeatures })));
            }

            RegisterScales(spec, index, device, dtype);
        }

        DetachFromScope();
    }

    /// <summary>A set of a <see cref="HostKind.Module"/> host at <paramref name="layerPath"/> around <paramref name="copy"/> (already initialised, on <paramref name="device"/>).</summary>
    internal DendriteSet(HostLayerSpec spec, int index, nn.Module copy, string layerPath, Device device, ScalarType dtype)
        : base("DendriteSet")
    {
        Index = index;
        _moduleHost = (layerPath, spec.ModuleType);
        register_module(ModuleKey, copy);
        using (no_grad())
        {
            RegisterScales(spec, index, device, dtype);
        }

        DetachFromScope();
    }

    /// <summary>
    /// The re-initialised copy of the host module that computes this set's pre-activations, for a
    /// <see cref="HostKind.Module"/> host; null for Linear and convolution hosts.
    /// </summary>
    public nn.Module? Module => TorchSharpInternals.Submodules(this).TryGetValue(ModuleKey, out var copy) ? copy : null;

    /// <summary>Position of this set in its layer's cascade (0 for the first).</summary>
    public int Index { get; }

    // The layer path and type of a module host's set, for the message of Weight; empty for Linear and convolution hosts.
    private readonly (string LayerPath, string ModuleType) _moduleHost = (string.Empty, string.Empty);

    /// <summary>The dendrite weights, shaped like the host's weight.</summary>
    /// <exception cref="UnsupportedHostException">The set belongs to a <see cref="HostKind.Module"/> host, whose weights are the parameters of <see cref="Module"/>.</exception>
    public Parameter Weight => has_parameter(WeightKey) ? get_parameter(WeightKey)! : throw new UnsupportedHostException(
        _moduleHost.LayerPath,
        _moduleHost.ModuleType,
        $"Dendrite set {Index} of layer '{_moduleHost.LayerPath}' ({_moduleHost.ModuleType}) is a copy of a module host and has no single weight. Its weights are the parameters of set.Module (DendriteSet.Module).");

    /// <summary>The dendrite bias, shaped like the host's bias; null when the host has none.</summary>
    public Parameter? Bias => has_parameter(BiasKey) ? get_parameter(BiasKey) : null;

    /// <summary>The output scale u: one scalar per neuron, shape [out]. Starts at zero.</summary>
    public Parameter OutputScale => get_parameter(OutputScaleKey)!;

    /// <summary>The cascade weights v from earlier sets, shape [Index, out]; null for the first set. Start at zero.</summary>
    public Parameter? CascadeWeights => has_parameter(CascadeKey) ? get_parameter(CascadeKey) : null;

    /// <summary>
    /// Whether this set's parameters are excluded from training (cascade-correlation freezes trained candidates).
    /// Setting it flips <c>requires_grad</c> on every parameter of the set.
    /// </summary>
    public bool Frozen
    {
        // Cascade-correlation freezes a trained candidate's input weights and leaves u to train, so the weights decide.
        get => !(has_parameter(WeightKey) ? Weight : Module?.parameters().FirstOrDefault() ?? OutputScale).requires_grad;
        set
        {
            foreach (var parameter in parameters())
            {
                parameter.requires_grad = !value;
            }
        }
    }

    private void RegisterScales(HostLayerSpec spec, int index, Device device, ScalarType dtype)
    {
        // u and v start at zero, so adding this set leaves the layer's output unchanged.
        register_parameter(OutputScaleKey, new Parameter(zeros(spec.OutFeatures, dtype, device)));
        if (index > 0)
        {
            register_parameter(CascadeKey, new Parameter(zeros(index, spec.OutFeatures, dtype: dtype, device: device)));
        }
    }

    /// <summary>
    /// Sets are often created inside a caller's dispose scope (a training step, AddDendrites, a checkpoint load); their
    /// parameters and buffers belong to the model and must outlive it. Every set is created here, so all callers are covered.
    /// </summary>
    private void DetachFromScope()
    {
        foreach (var parameter in parameters())
        {
            parameter.DetachFromDisposeScope();
        }

        foreach (var buffer in buffers())
        {
            buffer.DetachFromDisposeScope();
        }
    }

    /// <summary>Number of scalars in this set (weights, bias, u and v).</summary>
    public long ParameterCount
    {
        get
        {
            long count = 0;
            foreach (var parameter in parameters())
            {
                count += parameter.numel();
            }

            return count;
        }
    }
}
