using System;
using static TorchSharp.torch;

namespace Dendritic.Distributed;

/// <summary>
/// A group of ranks (one per process or GPU) that run the same training loop and meet in collectives. Every rank must
/// call the same collectives in the same order with tensors of the same shape and dtype; each call returns once its
/// result is in place (blocking semantics), or throws on every rank. A rank that fails calls <see cref="Abort"/> so
/// that the others stop with <see cref="RankFailedException"/> instead of waiting forever.
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This rank, 0 to <see cref="WorldSize"/> - 1. Rank 0 is the one that writes files.</summary>
    int Rank { get; }

    /// <summary>The number of ranks.</summary>
    int WorldSize { get; }

    /// <summary>The device whose tensors the collectives take (CUDA for NCCL, CPU for the in-process group).</summary>
    Device Device { get; }

    /// <summary>Replaces <paramref name="tensor"/>, in place, by the element-wise sum or average over all ranks.</summary>
    /// <param name="tensor">A contiguous tensor on <see cref="Device"/>; the same shape and dtype on every rank.</param>
    /// <param name="op">Sum or average.</param>
    /// <exception cref="ArgumentException">
    /// The tensor is not contiguous, on another device, or of a dtype NCCL cannot reduce (every communicator takes only
    /// float16, bfloat16, float32, float64, int8, uint8, int32 and int64 here; bool only in a broadcast), or
    /// <see cref="ReduceOp.Average"/> of an integer tensor.
    /// </exception>
    /// <exception cref="RankFailedException">Another rank failed or aborted, or the ranks called different collectives.</exception>
    /// <exception cref="CollectiveTimeoutException">The collective did not finish within the timeout.</exception>
    void AllReduce(Tensor tensor, ReduceOp op);

    /// <summary>Replaces <paramref name="tensor"/>, in place, by the root rank's values.</summary>
    /// <param name="tensor">A contiguous tensor on <see cref="Device"/>; the same shape and dtype on every rank.</param>
    /// <param name="root">The rank whose values everyone receives.</param>
    /// <exception cref="ArgumentException">A bad tensor, as for <see cref="AllReduce"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not a rank.</exception>
    /// <exception cref="RankFailedException">Another rank failed or aborted, or the ranks called different collectives.</exception>
    /// <exception cref="CollectiveTimeoutException">The collective did not finish within the timeout.</exception>
    void Broadcast(Tensor tensor, int root);

    /// <summary>Returns when every rank has called it.</summary>
    /// <exception cref="RankFailedException">Another rank failed or aborted.</exception>
    /// <exception cref="CollectiveTimeoutException">Not every rank arrived within the timeout.</exception>
    void Barrier();

    /// <summary>
    /// Stops the group because this rank cannot go on: collectives in progress or to come, on every rank, throw
    /// <see cref="RankFailedException"/> naming this rank and <paramref name="reason"/>. Safe to call more than once.
    /// </summary>
    /// <param name="reason">Why, for the other ranks' error messages.</param>
    void Abort(string reason);
}
