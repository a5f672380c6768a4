using System;

namespace Dendritic.Cuda;

/// <summary>
/// The fused CUDA cascade cannot run: NVRTC or the CUDA driver is missing, the kernel does not compile for this
/// device, a launch fails, or <c>CudaCascade.Enable</c> finds another kernel registered. The message names the
/// library, call, device or kernel type and the fix.
/// </summary>
public sealed class CudaKernelException : DendriticException
{
    /// <summary>Creates the exception.</summary>
    public CudaKernelException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    public CudaKernelException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    public CudaKernelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
