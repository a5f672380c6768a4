using System;

namespace Dendritic.Cuda;

/// <summary>The loaded kernels of cascade.cu for one problem class (sets, dtype, activation) on one device.</summary>
internal sealed record CudaModule(
    IntPtr ForwardRows,
    IntPtr ForwardRowsPairs,
    IntPtr ForwardPositions,
    IntPtr BackwardRows,
    IntPtr BackwardRowsPairs,
    IntPtr BackwardPositions,
    IntPtr Reduce)
{
    /// <summary>The forward kernel for <paramref name="problem"/>'s mapping: rows (one or two neurons a thread) or positions.</summary>
    public IntPtr ForwardFor(CascadeProblem problem) => Pick(problem, ForwardRows, ForwardRowsPairs, ForwardPositions);

    /// <summary>The backward kernel for <paramref name="problem"/>'s mapping.</summary>
    public IntPtr BackwardFor(CascadeProblem problem) => Pick(problem, BackwardRows, BackwardRowsPairs, BackwardPositions);

    private static IntPtr Pick(CascadeProblem problem, IntPtr rows, IntPtr rowsPairs, IntPtr positions) =>
        !problem.ByRows ? positions : problem.Pairs ? rowsPairs : rows;
}
