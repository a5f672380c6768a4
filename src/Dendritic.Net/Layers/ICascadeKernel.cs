using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// A faster implementation of the dendrite cascade (a_0 = f(p_0), a_k = f(p_k + Σ_{i&lt;k} v_{k,i} a_i),
/// y = host + Σ_k u_k a_k) that a layer may use instead of its reference path of separate TorchSharp operations.
/// Register one with <c>CascadeKernels.CompareExchange(mine, null)</c> and remove it with
/// <c>CascadeKernels.CompareExchange(null, mine)</c> (<see cref="CascadeKernels.CompareExchange"/>); the registered one
/// is <see cref="CascadeKernels.Current"/>. The companion package Dendritic.Net.Cuda provides a fused CUDA kernel
/// (<c>CudaCascade.Enable()</c>, which registers it the same way).
/// </summary>
/// <remarks>
/// An implementation must compute the same function as the reference path (to float rounding), forward and, when
/// autograd records, backward: gradients for the host output, every pre-activation, every u and every v. It may
/// decline any request (an unsupported device, dtype, activation or layout) by returning null; the layer then runs
/// its own path (the built-in CPU cascade where it applies, else the reference path), so declining is always safe.
/// Layers call it only for the plain cascade: not while an observer (cascade-correlation's candidate phase) or an
/// activation monitor watches the activations, never for module hosts (their copies run through the reference path),
/// never with dendrites switched off, and never for layers whose options ask for <see cref="DendriteCascade.Reference"/>.
/// </remarks>
public interface ICascadeKernel
{
    /// <summary>Computes the cascade for <paramref name="inputs"/>, or declines.</summary>
    /// <param name="inputs">The host output, the per-set pre-activations and the per-neuron weights.</param>
    /// <returns>The layer output (host output plus every set's contribution), or null to decline.</returns>
    Tensor? TryCombine(CascadeInputs inputs);
}
