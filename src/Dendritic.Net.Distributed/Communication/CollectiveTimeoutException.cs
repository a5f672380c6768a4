using System;

namespace Dendritic.Distributed;

/// <summary>
/// A collective did not complete within the communicator's timeout: another rank died, hangs, or never called it.
/// The communicator is aborted and unusable afterwards; end the process (or every rank's training) and resume from the
/// last checkpoint.
/// </summary>
public sealed class CollectiveTimeoutException : DistributedException
{
    /// <summary>Creates the exception.</summary>
    public CollectiveTimeoutException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    public CollectiveTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    public CollectiveTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
