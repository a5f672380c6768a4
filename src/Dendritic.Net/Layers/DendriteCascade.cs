namespace Dendritic;

/// <summary>
/// How a layer computes its dendrite cascade (the activations and their weighted sum with the host output). Every
/// choice computes the same function; they differ in speed and, by float rounding, in the last bits.
/// </summary>
public enum DendriteCascade
{
    /// <summary>
    /// The kernel registered in <see cref="CascadeKernels.Current"/> (Dendritic.Net.Cuda's fused CUDA kernel) where it
    /// takes the call; otherwise, for float32 CPU outputs of at least 32 Ki elements, the built-in CPU cascade, one
    /// vectorised pass forward and one backward; otherwise the reference path. The default.
    /// </summary>
    Auto = 0,

    /// <summary>
    /// Always the reference path: separate TorchSharp operations per set, as in <c>a = sigmoid(p); y = y + u * a</c>. For
    /// checking the faster paths against, and for debugging.
    /// </summary>
    Reference = 1,
}
