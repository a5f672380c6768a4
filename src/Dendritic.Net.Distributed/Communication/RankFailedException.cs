using System;

namespace Dendritic.Distributed;

/// <summary>
/// The group was stopped: a rank failed and aborted it, the ranks called different collectives, or they disagree on
/// the model or a growth decision. Every rank sees it, so that none waits forever.
/// </summary>
public sealed class RankFailedException : DistributedException
{
    /// <summary>Creates the exception.</summary>
    public RankFailedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    public RankFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    public RankFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for the failure of one rank.</summary>
    /// <param name="failedRank">The rank that failed; -1 when unknown.</param>
    /// <param name="reason">Its reason.</param>
    /// <param name="message">The full message.</param>
    public RankFailedException(int failedRank, string reason, string message)
        : base(message)
    {
        FailedRank = failedRank;
        Reason = reason;
    }

    /// <summary>The rank that failed first; -1 when unknown (e.g. a protocol mismatch seen by all).</summary>
    public int FailedRank { get; } = -1;

    /// <summary>That rank's reason; empty when unknown.</summary>
    public string Reason { get; } = string.Empty;
}
