using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic.Cuda;

/// <summary>
/// One planned cascade call: the problem, the layouts of the host output and of the pre-activations, the launcher
/// that runs it, and, when the pre-activations are consecutive chunks of one fused projection output, the axis they
/// were chunked along (<see cref="WholeAxis"/>; the node then takes that output as its input and hands its gradient
/// back in one piece, so autograd does not concatenate per-set gradients). Built by <see cref="FusedCascadeKernel"/>,
/// carried into backward by <see cref="CascadeFunction"/>.
/// </summary>
internal sealed record CascadeCall(ICascadeLauncher Launcher, CascadeProblem Problem, StridedLayout HostLayout, StridedLayout PreLayout, int? WholeAxis = null)
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
    /// Queues the backward kernels for the contiguous incoming gradient <paramref name="grad"/>: writes the
    /// pre-activations' gradients into <paramref name="gradPre"/> (one tensor per set, all in
    /// <paramref name="gradPreLayout"/>) and returns the gradients of u and v (rows of one [gradient rows, neurons] tensor).
    /// </summary>
    public Tensor Backward(Tensor grad, IReadOnlyList<Tensor> pre, IReadOnlyList<Tensor> gradPre, StridedLayout gradPreLayout, IReadOnlyList<Tensor> u, IReadOnlyList<Tensor?> v)
    {
        var problem = Problem;
        // The pair kernels read the incoming gradient two elements at a time; a view at an odd offset is copied.
        using var aligned = problem.Pairs && !CascadeProblem.IsPairAligned(TensorPointers.Of(grad), grad.ElementSize) ? grad.clone() : null;
        grad = aligned ?? grad;
        var slices = Launcher.Slices(problem);
        using var partials = empty(new long[] { slices, problem.GradientRows, problem.Neurons }, ScalarType.Float32, grad.device);
        var gradParams = empty(new long[] { problem.GradientRows, problem.Neurons }, grad.dtype, grad.device);
        Launcher.Backward(new CascadeBackwardLaunch(
            problem,
            Pointers(gradPre),
            gradPreLayout,
            TensorPointers.Of(grad),
            Pointers(pre),
            PreLayout,
            Pointers(u),
            Pointers(v),
            TensorPointers.Of(partials),
            TensorPointers.Of(gradParams),
            slices));
        return gradParams;
    }

    private static IntPtr[] Pointers(IEnumerable<Tensor?> tensors) => tensors.Select(t => t is null ? IntPtr.Zero : TensorPointers.Of(t)).ToArray();
}
