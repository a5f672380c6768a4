using System;

namespace Dendritic.Cuda;

/// <summary>Arguments of the forward kernel (cascade_forward_* in cascade.cu): device addresses and layouts.</summary>
internal sealed record CascadeForwardLaunch(
    CascadeProblem Problem,
    IntPtr Output,
    StridedLayout OutputLayout,
    IntPtr Host,
    StridedLayout HostLayout,
    IntPtr[] Pre,
    StridedLayout PreLayout,
    IntPtr[] U,
    IntPtr[] V);

/// <summary>
/// Arguments of the backward kernels (cascade_backward_* then cascade_reduce): the per-set pre-activation gradients to
/// write and their layout, the contiguous incoming gradient, the float32 [slices, rows, neurons] partial sums and the
/// [rows, neurons] gradients of u and v to write.
/// </summary>
internal sealed record CascadeBackwardLaunch(
    CascadeProblem Problem,
    IntPtr[] GradPre,
    StridedLayout GradPreLayout,
    IntPtr Grad,
    IntPtr[] Pre,
    StridedLayout PreLayout,
    IntPtr[] U,
    IntPtr[] V,
    IntPtr Partials,
    IntPtr GradParams,
    int Slices);
