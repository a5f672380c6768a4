using System;

namespace Dendritic.Distributed;

/// <summary>
/// An NCCL call failed, the NCCL library could not be loaded, or CUDA is not available to TorchSharp (no communicator
/// can be made); the message has NCCL's own error text, or the cause, and the fix.
/// </summary>
public sealed class NcclException : DistributedException
{
    /// <summary>Creates the exception.</summary>
    public NcclException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    public NcclException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    public NcclException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for an NCCL result code.</summary>
    /// <param name="result">The ncclResult_t value (0 is success).</param>
    /// <param name="message">The full message.</param>
    public NcclException(int result, string message)
        : base(message)
    {
        Result = result;
    }

    /// <summary>
    /// The ncclResult_t code (e.g. 5 = invalid usage, 6 = remote error), or the CUDA driver's CUresult when a driver call
    /// failed (the message names the call and which kind of code it is); 0 when the library did not load, CUDA is not
    /// available, or LOCAL_RANK names no GPU.
    /// </summary>
    public int Result { get; }
}
