using System;

namespace Dendritic;

/// <summary>
/// The checkpoint is intact but does not fit the model it is loaded into: a layer is missing or has another shape
/// (<see cref="LayerName"/> names the first layer that differs). Also thrown by <see cref="GrowthScheduler.Resume"/>
/// when the best-weights file beside the checkpoint is not the one saved with it (another save's; <see cref="LayerName"/>
/// is null then).
/// </summary>
public sealed class CheckpointMismatchException : CheckpointException
{
    /// <summary>Creates the exception.</summary>
    public CheckpointMismatchException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What differs.</param>
    public CheckpointMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What differs.</param>
    /// <param name="innerException">The cause.</param>
    public CheckpointMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal CheckpointMismatchException(string layerName, string message)
        : base(message)
    {
        LayerName = layerName;
    }

    /// <summary>The layer (or state-dict key) that differs; null when not specific to one layer.</summary>
    public string? LayerName { get; }
}
