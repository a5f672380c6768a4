using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;

namespace Dendritic.Distributed;

/// <summary>
/// Several ranks in one process, one thread each, meeting in collectives on CPU tensors: the communicator for tests
/// and for trying a data-parallel loop without GPUs. Reductions add the ranks' tensors in rank order, so every rank
/// gets bit-identical results. Collectives check that all ranks called the same one with the same shape and dtype.
/// </summary>
public sealed class InProcessGroup : IDisposable
{
    private readonly InProcessCommunicator[] _ranks;
    // Cancelled when the group stops (_failure) and when a rank's body returns (_returned): either way no meeting that
    // has not completed yet ever can, and a rank that signals the barrier afterwards sees the token at once.
    private readonly CancellationTokenSource _stop = new();
    private readonly object _failureLock = new();
    private readonly Barrier _barrier;
    private readonly InProcessCommunicator.Entry?[] _slots;
    private volatile RankFailure? _failure;
    private volatile string? _returned;

    /// <summary>Creates a group of <paramref name="worldSize"/> ranks.</summary>
    /// <param name="worldSize">The number of ranks; at least 1.</param>
    /// <param name="timeout">How long a collective waits for the other ranks before it fails; default 60 s.</param>
    /// <exception cref="ArgumentOutOfRangeException">A world size below 1 or a timeout that is not positive.</exception>
    public InProcessGroup(int worldSize, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        Timeout = timeout ?? TimeSpan.FromSeconds(60);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(timeout));
        WorldSize = worldSize;
        _slots = new InProcessCommunicator.Entry?[worldSize];
        _barrier = new Barrier(worldSize, _ => CheckSameCollective());
        _ranks = new InProcessCommunicator[worldSize];
        for (var r = 0; r < worldSize; r++)
        {
            _ranks[r] = new InProcessCommunicator(this, r);
        }
    }

    /// <summary>The number of ranks.</summary>
    public int WorldSize { get; }

    /// <summary>How long a collective waits for the other ranks.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The rank that stopped the group and why; null while it runs.</summary>
    public (int Rank, string Reason)? Failure => _failure is { } f ? (f.Rank, f.Reason) : null;

    /// <summary>The communicator of one rank; use each from one thread only.</summary>
    /// <param name="rank">0 to <see cref="WorldSize"/> - 1.</param>
    /// <returns>That rank's communicator.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> is not 0 to <see cref="WorldSize"/> - 1; the message gives the range.</exception>
    public ICommunicator Communicator(int rank)
    {
        CollectiveChecks.Rank(rank, WorldSize, nameof(rank));
        return _ranks[rank];
    }

    /// <summary>
    /// Runs <paramref name="body"/> once per rank, each on its own thread, and waits for all. A rank that throws
    /// aborts the group, so that the others stop in their next collective instead of waiting; so does a rank that
    /// returns while another still calls collectives (it can never meet it), with a <see cref="RankFailedException"/>
    /// that says so.
    /// </summary>
    /// <typeparam name="T">What each rank returns.</typeparam>
    /// <param name="worldSize">The number of ranks; at least 1.</param>
    /// <param name="body">The per-rank program, given its communicator.</param>
    /// <param name="timeout">The collective timeout; default 60 s.</param>
    /// <returns>Each rank's result, by rank.</returns>
    /// <exception cref="AggregateException">
    /// At least one rank threw. The inner exceptions are the failed ranks', in rank order: the first failure's own and
    /// those of the ranks it stopped (<see cref="RankFailedException"/>) or that failed on their own. The message says how
    /// many ranks failed and which failed first (its index in InnerExceptions); <see cref="AggregateException.Message"/>
    /// then appends each inner message, which carries the reason.
    /// </exception>
    public static IReadOnlyList<T> Run<T>(int worldSize, Func<ICommunicator, T> body, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var group = new InProcessGroup(worldSize, timeout);
        var results = new T[worldSize];
        var errors = new Exception?[worldSize];
        var threads = new Thread[worldSize];
        for (var r = 0; r < worldSize; r++)
        {
            var rank = r;
            threads[r] = new Thread(() =>
            {
                var communicator = group.Communicator(rank);
                try
                {
                    results[rank] = body(communicator);
                    group.Returned(rank);
                }
                catch (Exception e)
                {
                    errors[rank] = e;
                    communicator.Abort($"{e.GetType().Name}: {e.Message}");
                }
            })
            {
                Name = string.Create(CultureInfo.InvariantCulture, $"rank {rank}"),
                IsBackground = true,
            };
            threads[r].Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        var thrown = new List<Exception>();
        foreach (var error in errors)
        {
            if (error is not null)
            {
                thrown.Add(error);
            }
        }

        return thrown.Count == 0 ? results : throw new AggregateException(FailureSummary(thrown.Count, worldSize, group.Failure?.Rank, errors), thrown);
    }

    /// <summary>
    /// How many ranks failed and which failed first, without the reason: <see cref="AggregateException.Message"/> appends
    /// every inner exception's message, and the first failure's carries it.
    /// </summary>
    private static string FailureSummary(int failed, int worldSize, int? firstRank, Exception?[] errors)
    {
        var summary = string.Create(CultureInfo.InvariantCulture, $"{failed} of {worldSize} ranks failed");
        return firstRank switch
        {
            { } rank when rank >= 0 && errors[rank] is not null => string.Create(CultureInfo.InvariantCulture, $"{summary}; rank {rank} failed first (InnerExceptions[{errors.Take(rank).Count(e => e is not null)}])."),
            -1 => summary + "; the group stopped them together (no one rank failed first).",
            _ => summary + ".",
        };
    }

    /// <summary>
    /// Stops the group: a rank still waiting in a collective, or calling one later, throws
    /// <see cref="RankFailedException"/> saying that the group was disposed. Dispose it after every rank's thread has
    /// finished (<see cref="Run{T}"/> does).
    /// </summary>
    public void Dispose()
    {
        // The barrier and the token source are not disposed: a rank woken by the cancellation may still be inside
        // SignalAndWait, which would then throw ObjectDisposedException instead of the group's reason. Neither holds
        // an operating-system handle here (no WaitHandle is ever asked for, no timer is set), so the GC reclaims them.
        Abort(-1, "the InProcessGroup was disposed while its ranks could still call collectives; dispose it after every rank's thread has finished");
    }

    internal void Abort(int rank, string reason)
    {
        lock (_failureLock)
        {
            _failure ??= new RankFailure(rank, reason);
        }

        _stop.Cancel();
    }

    internal InProcessCommunicator.Entry?[] Slots => _slots;

    /// <summary>
    /// <paramref name="rank"/>'s body (<see cref="Run{T}"/>) has returned: a rank waiting in a collective now, or calling
    /// one later, can never meet it, so the group stops now instead of at the collective timeout.
    /// </summary>
    internal void Returned(int rank)
    {
        var reason = string.Create(CultureInfo.InvariantCulture, $"rank {rank} returned from its body while another rank still called collectives; every rank must call the same collectives in the same order");
        _returned ??= reason;

        // Always, not only when a rank is counted in the barrier already: a rank between its checks in Meet and its
        // signal waited out the whole timeout when this looked at the barrier's count instead. The token is seen by
        // SignalAndWait whenever it is cancelled; a meeting that has completed still returns true (Barrier checks the
        // phase after a cancelled wait), so the ranks that leave the last meeting of a correct program are not stopped.
        // The group's Failure stays unset until a rank does meet the returned one's absence (Meet).
        _stop.Cancel();
    }

    /// <summary>
    /// Test seam: runs on a rank's thread in <see cref="Meet"/>, after its own checks and just before it signals the
    /// barrier, so that a test can stop the group (or return a rank) at exactly that moment; null otherwise.
    /// </summary>
    internal Action? BeforeSignal { get; set; }

    /// <summary>How many ranks have signalled the meeting in progress (not yet complete): a test waits for this instead of sleeping.</summary>
    internal int Waiting => _barrier.ParticipantCount - _barrier.ParticipantsRemaining;

    /// <summary>One meeting point of all ranks; throws on every rank when the group is stopped.</summary>
    internal void Meet(int rank)
    {
        ThrowIfStopped();
        BeforeSignal?.Invoke();
        bool arrived;
        try
        {
            arrived = _barrier.SignalAndWait(Timeout, _stop.Token);
        }
        catch (OperationCanceledException)
        {
            // A returned rank never meets this one. Abort keeps the first failure, so a rank that failed first
            // is still the one named.
            if (_returned is { } returned)
            {
                Abort(-1, returned);
            }

            ThrowIfStopped();
            throw;
        }
        catch (BarrierPostPhaseException e)
        {
            var message = e.InnerException?.Message ?? e.Message;
            Abort(-1, message);
            throw new RankFailedException(-1, message, "The ranks called different collectives: " + message);
        }

        if (!arrived)
        {
            var reason = string.Create(CultureInfo.InvariantCulture, $"rank {rank} waited {Timeout.TotalSeconds:G4} s in a collective for the other ranks");
            Abort(rank, reason);
            throw new CollectiveTimeoutException($"Collective timed out: {reason}. A rank died, hangs or skipped a collective; every rank must call the same collectives in the same order.");
        }

        // Every rank met, so this meeting succeeded. A rank that stops the group right after it (it left first) is seen
        // at the next meeting, as NCCL would: checking here too made the same failure surface in this collective or the
        // next one depending on which thread ran first.
    }

    private void ThrowIfStopped()
    {
        if (_failure is { } failure)
        {
            var who = failure.Rank >= 0 ? string.Create(CultureInfo.InvariantCulture, $"Rank {failure.Rank} stopped the group") : "The group was stopped";
            throw new RankFailedException(failure.Rank, failure.Reason, $"{who}: {failure.Reason}");
        }
    }

    private void CheckSameCollective()
    {
        var first = _slots[0];
        for (var r = 1; r < _slots.Length; r++)
        {
            if (_slots[r] != first)
            {
                throw new InvalidOperationException($"rank 0 called {first?.ToString() ?? "a barrier phase"} but rank {r} called {_slots[r]?.ToString() ?? "a barrier phase"}");
            }
        }
    }

    /// <summary>The first failure, as one reference so that other threads read it whole.</summary>
    private sealed record RankFailure(int Rank, string Reason);
}
