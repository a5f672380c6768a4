namespace Dendritic;

/// <summary>
/// How a layer computes its dendrite cascade (the activations and their weighted sum with the host output). Every
/// choice computes the same function; they differ in speed and, by float rounding, in the last bits.
/// </summary>
public enum DendriteCascade
{
    /// <summary>
    /// The kernel registered in <see cref="CascadeKernels.Current"/> (Dendritic.Net.Cuda's fused CUDA kernel) where it
    /// takes the call. Otherwise, in CPU training, the built-in CPU cascade: the reference path's forward operations and
    /// one vectorised backward pass instead of autograd's separate ones, for float32 outputs of at least 32 Ki elements,
    /// 2 to 8 sets and contiguous tensors on the default (separate) projection path. Otherwise the reference path. The
    /// default. Its backward is first-order only: gradients of gradients (a gradient penalty, create_graph) need
    /// <see cref="Reference"/>.
    /// </summary>
    Auto = 0,

    /// <summary>
    /// Always the reference path: separate TorchSharp operations per set, as in <c>a = sigmoid(p); y = y + u * a</c>. For
    /// checking the faster paths against, and for debugging.
    /// </summary>
    Reference = 1,
}
