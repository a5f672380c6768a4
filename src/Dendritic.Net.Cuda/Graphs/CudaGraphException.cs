using System;

namespace Dendritic.Cuda;

/// <summary>
/// A step cannot be captured as a CUDA graph (<see cref="CudaGraphStep.Capture"/>): libtorch's CUDA entry points are
/// missing, the device is not the current one, or the step did something a capture cannot hold (a synchronisation
/// with the host, such as reading a value with <c>item()</c>). The message names the cause and the fix; the step's own
/// exception, when it threw one, is the inner exception.
/// </summary>
public sealed class CudaGraphException : DendriticException
{
    /// <summary>Creates the exception.</summary>
    public CudaGraphException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    public CudaGraphException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    public CudaGraphException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
