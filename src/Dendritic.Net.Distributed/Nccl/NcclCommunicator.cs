using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Distributed;

/// <summary>
/// A communicator over NCCL, one process per GPU. Collectives run on the legacy default CUDA stream (stream 0),
/// which is the stream TorchSharp's kernels use (it exposes no other current stream), so they are ordered with the
/// training's kernels; each call then waits for the stream while polling NCCL's asynchronous error and the other
/// ranks' failure notes, and aborts the communicator at the timeout instead of hanging. NCCL runs with
/// NCCL_NVLS_ENABLE=0 (set when the library loads NCCL, <see cref="NcclLibrary"/>, unless the process has a value of its own).
/// </summary>
public sealed class NcclCommunicator : ICommunicator
{
    private readonly NcclRendezvous _rendezvous;
    private readonly IntPtr _context;
    // Read and cleared with Interlocked: Abort may come from another thread (the unhandled-exception hook) while a
    // collective polls, and the handle must be aborted or destroyed exactly once.
    private IntPtr _comm;
    private string? _aborted;
    private bool _disposed;

    private NcclCommunicator(NcclRendezvous rendezvous, IntPtr comm, IntPtr context, Device device)
    {
        _rendezvous = rendezvous;
        _comm = comm;
        _context = context;
        Device = device;
    }

    /// <inheritdoc/>
    public int Rank => _rendezvous.Rank;

    /// <inheritdoc/>
    public int WorldSize => _rendezvous.WorldSize;

    /// <inheritdoc/>
    public Device Device { get; }

    /// <summary>
    /// Joins the job: selects this rank's GPU, gets the unique id (<see cref="NcclRendezvous"/>) and creates the NCCL
    /// communicator, waiting at most the rendezvous timeout for the other ranks. Call it on the thread that trains.
    /// </summary>
    /// <param name="rendezvous">Ranks and id; <see cref="NcclRendezvous.FromEnvironment"/> when null.</param>
    /// <returns>The communicator.</returns>
    /// <exception cref="NcclException">
    /// CUDA is not available to TorchSharp (<see cref="NcclException.Result"/> 0; use a CUDA build of libtorch), NCCL did
    /// not load, or its initialisation failed (its message says why).
    /// </exception>
    /// <exception cref="CollectiveTimeoutException">Not every rank joined within the timeout; end the process.</exception>
    public static NcclCommunicator Create(NcclRendezvous? rendezvous = null)
    {
        var rv = (rendezvous ?? NcclRendezvous.FromEnvironment()).Validate();
        // TryInitializeDeviceType: a CPU-only TorchSharp reaches the typed error below rather than TorchSharp's own.
        if (!TryInitializeDeviceType(DeviceType.CUDA) || !cuda.is_available())
        {
            throw new NcclException("NcclCommunicator needs CUDA, but torch.cuda.is_available() is false: use a CUDA build of libtorch (TorchSharp-cuda-*, or PyTorch's torch/lib on LD_LIBRARY_PATH).");
        }

        NcclNative.EnsureResolver();
        NcclLibrary.Load();
        var visible = cuda.device_count();
        if (visible > 1 && rv.LocalRank >= visible)
        {
            throw new NcclException(string.Create(CultureInfo.InvariantCulture, $"LOCAL_RANK is {rv.LocalRank} on rank {rv.Rank}, but this process sees {visible} GPUs (cuda:0 to cuda:{visible - 1}): start at most one process per GPU on each host, or give each process one GPU through CUDA_VISIBLE_DEVICES."));
        }

        var index = visible > 1 ? rv.LocalRank : 0;
        var device = new Device(DeviceType.CUDA, index);
        using (zeros(1, device: device))
        {
            // Creates libtorch's context on the device, which is the primary context the driver calls below use.
        }

        var context = CurrentContext(index);
        var id = rv.ResolveId();
        var init = Task.Factory.StartNew(
            () =>
            {
                CheckCuda(NcclNative.cuCtxSetCurrent(context), "cuCtxSetCurrent");
                var uid = default(NcclNative.UniqueId);
                unsafe
                {
                    id.AsSpan().CopyTo(new Span<byte>(uid.Internal, 128));
                }

                Check(NcclNative.ncclCommInitRank(out var comm, rv.WorldSize, uid, rv.Rank), "ncclCommInitRank");
                return comm;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        bool joined;
        try
        {
            joined = init.Wait(rv.Timeout);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            // ncclCommInitRank failed (not timed out): tell the other ranks, and throw NCCL's own error.
            rv.WriteFailure($"rank {rv.Rank}: {e.InnerException!.Message}");
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException!).Throw();
            throw;
        }

        if (!joined)
        {
            rv.WriteFailure($"rank {rv.Rank} timed out in ncclCommInitRank");
            throw new CollectiveTimeoutException($"ncclCommInitRank did not finish within {rv.Timeout.TotalSeconds:G4} s on rank {rv.Rank} of {rv.WorldSize}: not every rank joined (same unique id, same WORLD_SIZE, distinct RANKs?). End this process; NCCL cannot be aborted mid-initialisation.");
        }

        var communicator = new NcclCommunicator(rv, init.Result, context, device);
        AppDomain.CurrentDomain.UnhandledException += communicator.OnUnhandledException;
        return communicator;
    }

    /// <inheritdoc/>
    public void AllReduce(Tensor tensor, ReduceOp op)
    {
        CollectiveChecks.Tensor(tensor, Device, op);
        var (pointer, count, type) = Buffer(tensor);
        Run("ncclAllReduce", () => NcclNative.ncclAllReduce(pointer, pointer, count, type, op == ReduceOp.Sum ? 0 : 4, _comm, IntPtr.Zero));
    }

    /// <inheritdoc/>
    public void Broadcast(Tensor tensor, int root)
    {
        CollectiveChecks.Tensor(tensor, Device);
        CollectiveChecks.Root(root, WorldSize);
        var (pointer, count, type) = Buffer(tensor);
        Run("ncclBroadcast", () => NcclNative.ncclBroadcast(pointer, pointer, count, type, root, _comm, IntPtr.Zero));
    }

    /// <inheritdoc/>
    public void Barrier()
    {
        using var one = ones(1, device: Device);
        AllReduce(one, ReduceOp.Sum);
    }

    /// <inheritdoc/>
    public void Abort(string reason)
    {
        if (Interlocked.CompareExchange(ref _aborted, reason, null) is not null)
        {
            return;
        }

        _rendezvous.WriteFailure(reason);
        var comm = Interlocked.Exchange(ref _comm, IntPtr.Zero);
        if (comm != IntPtr.Zero)
        {
            NcclNative.ncclCommAbort(comm);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        AppDomain.CurrentDomain.UnhandledException -= OnUnhandledException;
        _disposed = true;
        var comm = Interlocked.Exchange(ref _comm, IntPtr.Zero);
        if (comm != IntPtr.Zero)
        {
            NcclNative.cuCtxSetCurrent(_context);
            NcclNative.ncclCommDestroy(comm);
        }
    }

    /// <summary>A crash of this process leaves a failure note, so that the other ranks stop at once with its reason.</summary>
    private void OnUnhandledException(object sender, UnhandledExceptionEventArgs e) =>
        Abort($"rank {Rank} crashed: {(e.ExceptionObject as Exception)?.Message ?? e.ExceptionObject.ToString()}");

    internal static void Check(int result, string call)
    {
        if (result != NcclNative.Success)
        {
            throw new NcclException(result, $"{call} failed: {NcclNative.ErrorString(result)} (ncclResult_t {result}). Run with NCCL_DEBUG=INFO for NCCL's own log.");
        }
    }

    private static IntPtr CurrentContext(int index)
    {
        CheckCuda(NcclNative.cuInit(0), "cuInit");
        CheckCuda(NcclNative.cuDeviceGet(out var device, index), "cuDeviceGet");
        CheckCuda(NcclNative.cuDevicePrimaryCtxRetain(out var context, device), "cuDevicePrimaryCtxRetain");
        CheckCuda(NcclNative.cuCtxSetCurrent(context), "cuCtxSetCurrent");
        return context;
    }

    private static void CheckCuda(int result, string call)
    {
        if (result != NcclNative.CudaSuccess)
        {
            throw new NcclException(result, $"The CUDA driver call {call} failed with CUresult {result}.");
        }
    }

    private static (IntPtr Pointer, nuint Count, int Type) Buffer(Tensor tensor)
    {
        var type = tensor.dtype switch
        {
            ScalarType.Int8 => 0,
            ScalarType.Byte or ScalarType.Bool => 1,
            ScalarType.Int32 => 2,
            ScalarType.Int64 => 4,
            ScalarType.Float16 => 6,
            ScalarType.Float32 => 7,
            ScalarType.Float64 => 8,
            ScalarType.BFloat16 => 9,
            _ => throw new ArgumentException($"NCCL has no type for {tensor.dtype}; use a float, int8/uint8, int32 or int64 tensor.", nameof(tensor)),
        };
        var pointer = NcclNative.THSTensor_data(tensor.Handle);
        if (pointer == IntPtr.Zero && tensor.numel() > 0)
        {
            throw new ArgumentException("The tensor has no data pointer (undefined or freed).", nameof(tensor));
        }

        return (pointer, (nuint)tensor.numel(), type);
    }

    /// <summary>Enqueues one NCCL call on stream 0 and waits for it, watching for errors, failures and the timeout.</summary>
    private void Run(string call, Func<int> enqueue)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfAborted();
        // A failure before the collective is enqueued is this rank's alone: it aborts (leaves its note) so that the
        // others stop at once instead of waiting for it in the collective until the timeout.
        AbortUnlessSuccess(NcclNative.cuCtxSetCurrent(_context), "cuCtxSetCurrent", "CUresult");
        AbortUnlessSuccess(enqueue(), call, "ncclResult_t");
        var clock = Stopwatch.StartNew();
        var polls = 0;
        while (true)
        {
            var state = NcclNative.cuStreamQuery(IntPtr.Zero);
            var comm = Volatile.Read(ref _comm);
            if (comm == IntPtr.Zero)
            {
                // Aborted from another thread while this one waited.
                ThrowIfAborted();
            }

            AbortUnlessSuccess(NcclNative.ncclCommGetAsyncError(comm, out var asyncError), "ncclCommGetAsyncError", "ncclResult_t");
            if (asyncError != NcclNative.Success && asyncError != NcclNative.InProgress)
            {
                var text = $"{call} failed asynchronously on rank {Rank}: {NcclNative.ErrorString(asyncError)} (ncclResult_t {asyncError})";
                Abort(text);
                throw new NcclException(asyncError, text + ". The communicator was aborted; resume every rank from the last checkpoint.");
            }

            if (state == NcclNative.CudaSuccess)
            {
                return;
            }

            if (state != NcclNative.CudaErrorNotReady)
            {
                var text = string.Create(CultureInfo.InvariantCulture, $"CUDA reported error {state} while rank {Rank} waited for {call}");
                Abort(text);
                throw new NcclException(state, text + ".");
            }

            if (++polls % 256 == 0)
            {
                foreach (var (rank, reason) in _rendezvous.Failures())
                {
                    var text = string.Create(CultureInfo.InvariantCulture, $"rank {rank} failed: {reason}");
                    Abort($"rank {Rank} stopped because {text}");
                    throw new RankFailedException(rank, reason, $"Rank {rank} stopped the group: {reason}");
                }

                if (clock.Elapsed > _rendezvous.Timeout)
                {
                    var text = string.Create(CultureInfo.InvariantCulture, $"rank {Rank} waited {_rendezvous.Timeout.TotalSeconds:G4} s in {call}");
                    Abort(text);
                    throw new CollectiveTimeoutException($"Collective timed out: {text}. Another rank died, hangs or skipped a collective; the communicator was aborted.");
                }

                Thread.Sleep(polls < 4096 ? 0 : 1);
            }
            else
            {
                Thread.SpinWait(20);
            }
        }
    }

    private void ThrowIfAborted()
    {
        if (Volatile.Read(ref _aborted) is { } reason)
        {
            throw new RankFailedException(Rank, reason, $"This communicator was aborted ({reason}); create a new one on every rank, or end the job.");
        }
    }

    /// <summary>Aborts the communicator and throws when a CUDA or NCCL call of this rank failed.</summary>
    private void AbortUnlessSuccess(int result, string call, string codeType)
    {
        if (result == NcclNative.Success)
        {
            return;
        }

        var error = codeType == "ncclResult_t" ? NcclNative.ErrorString(result) : "CUDA driver error";
        var text = string.Create(CultureInfo.InvariantCulture, $"{call} failed on rank {Rank}: {error} ({codeType} {result})");
        Abort(text);
        throw new NcclException(result, text + ". The communicator was aborted; resume every rank from the last checkpoint. Run with NCCL_DEBUG=INFO for NCCL's own log.");
    }
}
