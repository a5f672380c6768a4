using System;

namespace Dendritic;

/// <summary>The checkpoint file is truncated, corrupted or not a Dendritic.Net checkpoint at all.</summary>
public sealed class CheckpointCorruptedException : CheckpointException
{
    /// <summary>Creates the exception.</summary>
    public CheckpointCorruptedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong with the file.</param>
    public CheckpointCorruptedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What is wrong with the file.</param>
    /// <param name="innerException">The cause.</param>
    public CheckpointCorruptedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
