using System.Collections.Generic;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// What a layer hands an <see cref="ICascadeKernel"/>: the host output, the pre-activations D_k x (plus bias) of its
/// sets and the per-neuron weights u and v, all on one device in one dtype. The tensors belong to the layer and to
/// autograd: a kernel reads them and must not keep them beyond its own autograd node.
/// </summary>
public sealed class CascadeInputs
{
    internal CascadeInputs(
        Tensor hostOutput,
        IReadOnlyList<Tensor> preActivations,
        IReadOnlyList<Tensor> outputScales,
        IReadOnlyList<Tensor?> cascadeWeights,
        DendriteActivation activation,
        int neuronAxis,
        bool mayOverwriteHostOutput,
        Tensor? preActivationsWhole = null)
    {
        HostOutput = hostOutput;
        PreActivations = preActivations;
        OutputScales = outputScales;
        CascadeWeights = cascadeWeights;
        Activation = activation;
        NeuronAxis = neuronAxis;
        MayOverwriteHostOutput = mayOverwriteHostOutput;
        PreActivationsWhole = preActivationsWhole;
    }

    /// <summary>The host's output; shape [..., out] for Linear, [N, out, spatial...] for convolutions. May be a strided view.</summary>
    public Tensor HostOutput { get; }

    /// <summary>One pre-activation per set in cascade order, each shaped like <see cref="HostOutput"/>; may be strided views of one tensor.</summary>
    public IReadOnlyList<Tensor> PreActivations { get; }

    /// <summary>The output scales u_k, one [out] vector per set.</summary>
    public IReadOnlyList<Tensor> OutputScales { get; }

    /// <summary>The cascade weights v_k, shape [k, out] (row i weighs set i's activation); null for set 0.</summary>
    public IReadOnlyList<Tensor?> CascadeWeights { get; }

    /// <summary>The nonlinearity f.</summary>
    public DendriteActivation Activation { get; }

    /// <summary>The axis of <see cref="HostOutput"/> that indexes neurons: the last for Linear, 1 for convolutions.</summary>
    public int NeuronAxis { get; }

    /// <summary>
    /// Whether the kernel may write its result into <see cref="HostOutput"/> and return it (true in inference, where
    /// the layer alone holds the host output and autograd records nothing).
    /// </summary>
    public bool MayOverwriteHostOutput { get; }

    /// <summary>
    /// The fused projection output whose <see cref="Sets"/> consecutive chunks along <see cref="NeuronAxis"/> are
    /// <see cref="PreActivations"/>, when they came from one; else null. A kernel that records its own autograd node may
    /// take it as the node's input instead of the chunks and return its gradient in one piece, which spares autograd
    /// the concatenation of the per-set gradients (a copy of D outputs' worth of memory per training step).
    /// </summary>
    internal Tensor? PreActivationsWhole { get; }

    /// <summary>Number of dendrite sets (at least 1).</summary>
    public int Sets => PreActivations.Count;
}
