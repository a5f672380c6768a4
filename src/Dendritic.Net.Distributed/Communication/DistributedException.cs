using System;

namespace Dendritic.Distributed;

/// <summary>The base of the exceptions of data-parallel training: a collective or the protocol between ranks failed.</summary>
public abstract class DistributedException : DendriticException
{
    /// <summary>Creates the exception.</summary>
    protected DistributedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    protected DistributedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    protected DistributedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
