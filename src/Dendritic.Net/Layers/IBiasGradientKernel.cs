using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// A cascade kernel that can also return the bias gradients of a layer's products (Dendritic.Net.Cuda's fused kernel:
/// its backward already reads the output's gradient and writes each pre-activation's, so their per-neuron sums cost it
/// almost nothing, while autograd's bias-gradient reductions are a large share of a small layer's step). Asked before
/// the layer computes its products: on yes, the layer adds every bias with the bias detached and hands the parameters
/// over in <see cref="CascadeInputs.BiasParameters"/>; a kernel that then declines makes the layer compute again with
/// autograd's own bias gradients.
/// </summary>
internal interface IBiasGradientKernel : ICascadeKernel
{
    /// <summary>
    /// Whether a training call with these properties would be taken, with the bias gradients. A yes must be reliable
    /// enough that declines are rare: each one costs the layer its products twice.
    /// </summary>
    bool TakesBiasGradients(Device device, ScalarType dtype, int sets, long neurons, DendriteActivation activation);
}
