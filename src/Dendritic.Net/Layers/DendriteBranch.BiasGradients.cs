using System;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>The branch's part in leaving the bias gradients to a cascade kernel (<see cref="IBiasGradientKernel"/>).</summary>
public sealed partial class DendriteBranch
{
    /// <summary>
    /// The registered kernel, when a training forward of this branch's layer may leave its biases out of autograd's
    /// products and take their gradients from it (<see cref="IBiasGradientKernel"/>): the plain cascade (no observer,
    /// monitor or reference option), a host bias and a bias on every set, and a kernel that says it takes the call; else
    /// null. The forward then uses this kernel and no other: <see cref="CascadeKernels.Current"/> is read once, as its
    /// contract says, since a kernel registered in between would not return the detached biases' gradients.
    /// </summary>
    internal IBiasGradientKernel? BiasGradientKernelFor(Tensor input, Tensor hostBias) =>
        // The kernel first: without one (the CPU, by default) a forward pays one static read here.
        CascadeKernels.Current is IBiasGradientKernel kernel
        && _sets.Count > 0 && is_grad_enabled() && Options.Cascade != DendriteCascade.Reference && Tap is null && Observer is null
        && _sets.All(s => s.Bias is not null)
        && kernel.TakesBiasGradients(input.device, hostBias.dtype, _sets.Count, hostBias.shape[0], Options.Activation)
            ? kernel
            : null;

    /// <summary>
    /// The layer's training output with every bias gradient from <paramref name="kernel"/> (what
    /// <see cref="BiasGradientKernelFor"/> returned): the host and the sets' products add their biases detached, so their
    /// values are exactly what the host computes alone, and the kernel's node returns the biases' gradients. Null when
    /// the kernel declines after all; the caller then computes the layer as usual.
    /// </summary>
    /// <param name="kernel">The kernel that said it takes the call.</param>
    /// <param name="input">The host's input.</param>
    /// <param name="hostWeight">The host weight.</param>
    /// <param name="hostBias">The host bias (a parameter).</param>
    /// <param name="observeHost">Sees the host's output once the kernel has taken the call.</param>
    internal Tensor? AddWithBiasGradients(IBiasGradientKernel kernel, Tensor input, Tensor hostWeight, Tensor hostBias, Action<Tensor>? observeHost)
    {
        using var scope = NewDisposeScope();
        var hostOutput = HostProjection.Single(Spec, input, hostWeight, hostBias.detach());
        var (whole, preActivations) = Project(input, ProjectionFor(input), detachBiases: true);
        var parameters = _sets.Select(s => (Tensor)s.Bias!).Prepend(hostBias).ToArray();
        var inputs = CascadeInputsFor(hostOutput, preActivations, mayOverwriteHostOutput: false, whole, parameters);
        if (kernel.TryCombine(inputs) is not { } output)
        {
            return null;
        }

        observeHost?.Invoke(hostOutput);
        return scope.MoveToOuter(output);
    }
}
