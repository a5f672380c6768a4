using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic.Cuda;

/// <summary>
/// One planned cascade call: the problem, the layouts of the host output and of the pre-activations, and the launcher
/// that runs it. Built by <see cref="FusedCascadeKernel"/>, carried into backward by <see cref="CascadeFunction"/>.
/// </summary>
internal sealed record CascadeCall(ICascadeLauncher Launcher, CascadeProblem Problem, StridedLayout HostLayout, StridedLayout PreLayout)
{
    /// <summary>Queues the forward kernel: <paramref name="output"/> (contiguous, or the host output itself) = host + cascade.</summary>
    public void Forward(Tensor output, StridedLayout outputLayout, Tensor host, IReadOnlyList<Tensor> pre, IReadOnlyList<Tensor> u, IReadOnlyList<Tensor?> v) =>
        Launcher.Forward(new CascadeForwardLaunch(
            Problem,
            TensorPointers.Of(output),
            outputLayout,
            TensorPointers.Of(host),
            HostLayout,
            Pointers(pre),
            PreLayout,
            Pointers(u),
            Pointers(v)));

    /// <summary>
    /// Queues the backward kernels for the contiguous incoming gradient <paramref name="grad"/>; returns the gradients
    /// of the pre-activations ([sets, ...host shape]) and of u and v (rows of one [gradient rows, neurons] tensor).
    /// </summary>
    public (Tensor GradPre, Tensor GradParams) Backward(Tensor grad, IReadOnlyList<Tensor> pre, IReadOnlyList<Tensor> u, IReadOnlyList<Tensor?> v)
    {
        var problem = Problem;
        var gradPre = empty(new long[] { problem.Sets }.Concat(grad.shape).ToArray(), grad.dtype, grad.device);
        var slices = Launcher.Slices(problem);
        using var partials = empty(new long[] { slices, problem.GradientRows, problem.Neurons }, ScalarType.Float32, grad.device);
        var gradParams = empty(new long[] { problem.GradientRows, problem.Neurons }, grad.dtype, grad.device);
        Launcher.Backward(new CascadeBackwardLaunch(
            problem,
            TensorPointers.Of(gradPre),
            TensorPointers.Of(grad),
            Pointers(pre),
            PreLayout,
            Pointers(u),
            Pointers(v),
            TensorPointers.Of(partials),
            TensorPointers.Of(gradParams),
            slices));
        return (gradPre, gradParams);
    }

    private static IntPtr[] Pointers(IEnumerable<Tensor?> tensors) => tensors.Select(t => t is null ? IntPtr.Zero : TensorPointers.Of(t)).ToArray();
}
