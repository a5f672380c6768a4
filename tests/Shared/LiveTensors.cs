using System;
using TorchSharp;

namespace Dendritic.Testing;

/// <summary>
/// Counts the tensors created on this thread and not yet disposed on it (TorchSharp's per-thread dispose statistics).
/// A finalizer runs on another thread, so a tensor left for the garbage collector stays counted here: a count that
/// does not come back after an operation is a tensor only a finalizer would free.
/// </summary>
internal static class LiveTensors
{
    /// <summary>Tensors created and not disposed on this thread.</summary>
    public static long Count => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    /// <summary>How many more tensors are alive on this thread after <paramref name="operation"/> than before.</summary>
    public static long Added(Action operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var before = Count;
        operation();
        return Count - before;
    }
}
