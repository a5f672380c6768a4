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
        Tensor? preActivationsWhole = null,
        IReadOnlyList<Tensor>? biasParameters = null)
    {
        HostOutput = hostOutput;
        PreActivations = preActivations;
        OutputScales = outputScales;
        CascadeWeights = cascadeWeights;
        Activation = activation;
        NeuronAxis = neuronAxis;
        MayOverwriteHostOutput = mayOverwriteHostOutput;
        PreActivationsWhole = preActivationsWhole;
        BiasParameters = biasParameters;
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

    /// <summary>
    /// The host's bias and each set's, in that order, when the layer left them out of its products' autograd (their
    /// values are in <see cref="HostOutput"/> and <see cref="PreActivations"/>, added with the bias detached): a kernel
    /// that takes such a call must return their gradients from its own node, the sums of the output's and each
    /// pre-activation's gradient over every axis but <see cref="NeuronAxis"/>; one that cannot must decline. Offered only
    /// to an <see cref="IBiasGradientKernel"/> that said it would take the call; null otherwise.
    /// </summary>
    internal IReadOnlyList<Tensor>? BiasParameters { get; }

    /// <summary>Number of dendrite sets (at least 1).</summary>
    public int Sets => PreActivations.Count;
}
