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
    IntPtr Reduce);
