using System;

namespace Dendritic.Cuda;

/// <summary>
/// The calling thread's current CUDA context, read and set (cuCtxGetCurrent, cuCtxSetCurrent). An interface so that
/// <see cref="CurrentContextScope"/>, which must leave the thread as it found it, is tested without a GPU.
/// </summary>
internal interface IContextBinding
{
    /// <summary>The context current on the calling thread, or <see cref="IntPtr.Zero"/> when none is.</summary>
    /// <exception cref="CudaKernelException">The driver call fails.</exception>
    IntPtr Current();

    /// <summary>
    /// Makes <paramref name="context"/> current on the calling thread, replacing the top of its context stack;
    /// <see cref="IntPtr.Zero"/> pops that top (leaving the context below it, or none, current).
    /// </summary>
    /// <exception cref="CudaKernelException">The driver call fails.</exception>
    void Bind(IntPtr context);
}
