using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// One dendrite per neuron of a host layer: a weight set shaped like the host's (and a bias when the host has one),
/// the output scale u (one scalar per neuron) and, for the k-th set, the cascade weights v from the k earlier sets
/// (one scalar per neuron and earlier set). Saved-weight keys: <c>weight</c>, <c>bias</c>, <c>u</c>, <c>v</c>.
/// </summary>
public sealed class DendriteSet : nn.Module
{
    internal const string WeightKey = "weight";
    internal const string BiasKey = "bias";
    internal const string OutputScaleKey = "u";
    internal const string CascadeKey = "v";

    internal DendriteSet(HostLayerSpec spec, int index, DendriteOptions options, Device device, ScalarType dtype)
        : base("DendriteSet")
    {
        Index = index;
        var normal = options.Initialization == DendriteInitialization.Normal;
        var bound = options.InitScale / Math.Sqrt(spec.FanIn);
        Tensor Draw(long[] shape) => normal ? empty(shape, dtype, device).normal_(0, options.InitScale) : empty(shape, dtype, device).uniform_(-bound, bound);
        using (no_grad())
        {
            register_parameter(WeightKey, new Parameter(Draw(spec.WeightShape)));
            if (spec.HasBias)
            {
                register_parameter(BiasKey, new Parameter(Draw(new[] { spec.OutFeatures })));
            }

            // u and v start at zero, so adding this set leaves the layer's output unchanged.
            register_parameter(OutputScaleKey, new Parameter(zeros(spec.OutFeatures, dtype, device)));
            if (index > 0)
            {
                register_parameter(CascadeKey, new Parameter(zeros(index, spec.OutFeatures, dtype: dtype, device: device)));
            }
        }

        // Sets are often created inside a caller's dispose scope (a training step, AddDendrites, a checkpoint load);
        // their parameters belong to the model and must outlive it. Every set is created here, so all callers are covered.
        foreach (var parameter in parameters())
        {
            parameter.DetachFromDisposeScope();
        }
    }

    /// <summary>Position of this set in its layer's cascade (0 for the first).</summary>
    public int Index { get; }

    /// <summary>The dendrite weights, shaped like the host's weight.</summary>
    public Parameter Weight => get_parameter(WeightKey)!;

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
        get => !Weight.requires_grad;
        set
        {
            foreach (var parameter in parameters())
            {
                parameter.requires_grad = !value;
            }
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
