using System;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Cuda;

/// <summary>
/// A step (a forward, or a forward and backward) captured once as a CUDA graph and then replayed with one launch: the
/// CPU no longer issues the step's kernels one by one, which is what bounds the training step of small layers
/// (docs/benchmarks.md, run 9). This is libtorch's own <c>at::cuda::CUDAGraph</c> (as <c>torch.cuda.CUDAGraph</c> in
/// Python), so libtorch's caching allocator takes part: the memory the step allocates while it is captured comes from
/// a pool private to this graph and stays reserved until <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// <para>A replay repeats the captured kernels on the same memory: the step reads its inputs from tensors made before
/// <see cref="Capture"/> (copy each new batch, of the captured shape, into them with <c>copy_</c> before
/// <see cref="Replay"/>) and copies its results into tensors made before it too, which each replay overwrites.</para>
/// <para>Start a training step with <c>zero_grad()</c> (which sets gradients to none and launches no kernel): the
/// captured backward then writes fresh gradients on every replay, into gradient tensors the parameters keep; do not
/// call <c>zero_grad()</c> between replays. Gradients that exist when the step is captured (the warm-up runs leave
/// some unless the step clears them) are added to on every replay instead.</para>
/// <para>The step must not synchronise with the host while it is captured (no <c>item()</c>, no copies to the CPU, no
/// data-dependent shapes) and must run its CUDA work on the device given. Keep <c>optimizer.step()</c> out of it:
/// TorchSharp's optimizers count their steps on the host, so a captured step would replay the first step's bias
/// correction. Capture again after the model changes: <see cref="Replay"/> refuses a graph once a dendrite layer that
/// ran in the step has changed (growth, a revert or pruning, dendrites switched on or off, parameters replaced by
/// <c>.to()</c>, its host's or its sets' parameters frozen or unfrozen where the step computed gradients, unwrapped,
/// disposed, an activation monitor started), and <see cref="IsStale"/> tells beforehand; other changes (other modules'
/// structure or <c>requires_grad</c>) are not detected, and after them the graph silently goes on computing the old
/// model. Works with the fused cascade
/// (<see cref="CudaCascade"/>), whose kernels run on libtorch's current stream. Linux x86-64 only: libtorch's graph is
/// reached through its C++ entry points, checked on libtorch 2.11.</para>
/// </remarks>
public sealed class CudaGraphStep : IDisposable
{
    private readonly int _deviceIndex;
    private readonly StructureSnapshot _layers;
    private IntPtr _graph;

    private CudaGraphStep(IntPtr graph, StructureSnapshot layers, Device device, int deviceIndex)
    {
        _graph = graph;
        _layers = layers;
        _deviceIndex = deviceIndex;
        Device = device;
    }

    /// <summary>The device the step was captured on.</summary>
    public Device Device { get; }

    /// <summary>
    /// Whether a dendrite layer that ran in the captured step has changed since (see <see cref="Replay"/>), so that the
    /// graph must be disposed and the step captured again; reads a few fields per layer. False after <see cref="Dispose"/>.
    /// </summary>
    public bool IsStale => _graph != IntPtr.Zero && _layers.FirstChange() is not null;

    /// <summary>
    /// Runs <paramref name="step"/> <paramref name="warmupRuns"/> times on a side stream from libtorch's pool
    /// (libtorch's libraries set up their workspaces, the fused cascade compiles its kernels), then once more while
    /// capturing it, and returns the captured graph. The device is synchronised before and after; the stream that was
    /// current before is current again afterwards, also when this throws.
    /// </summary>
    /// <param name="step">The work to capture; see the remarks on what it may do.</param>
    /// <param name="device">A CUDA device, the current one (<c>cuda</c> means the current one; TorchSharp's is <c>cuda:0</c> unless changed).</param>
    /// <param name="warmupRuns">Runs before the capture (default 3, at least 1): their effects (gradients, outputs) happen as in eager runs.</param>
    /// <returns>The graph; dispose it to free its memory.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="step"/> or <paramref name="device"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="device"/> is not a CUDA device.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="warmupRuns"/> is below 1.</exception>
    /// <exception cref="CudaGraphException">
    /// libtorch's CUDA entry points are missing (not Linux, no CUDA build of libtorch, another libtorch version: the
    /// message names the missing one); <paramref name="device"/> is not the current device; the step threw while it
    /// was captured (its exception is the inner one: libtorch refuses a copy to the CPU, such as <c>item()</c>, while
    /// capturing); something in the step invalidated the capture (a synchronisation); or an activation monitor (or
    /// cascade-correlation's candidate phase) watched a dendrite layer during the capture. The capture's memory is freed
    /// in each case. An exception of a warm-up run is thrown as it is.
    /// </exception>
    public static CudaGraphStep Capture(Action step, Device device, int warmupRuns = 3)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(device);
        if (device.type != DeviceType.CUDA)
        {
            throw new ArgumentException($"CUDA graphs capture CUDA work; device '{device}' is not a CUDA device. Capture on cuda, or run the step eagerly on this device.", nameof(device));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(warmupRuns, 1);
        if (LibTorchCuda.MissingForGraphs is string missing)
        {
            throw new CudaGraphException($"CUDA graphs are not available: {missing} Run the step eagerly.");
        }

        var current = LibTorchCuda.CurrentDevice();
        var index = device.index < 0 ? current : device.index;
        if (index != current)
        {
            throw new CudaGraphException($"A CUDA graph is captured on the current device, cuda:{current}; the step was given cuda:{index}. Capture on cuda:{current}.");
        }

        cuda.synchronize(At(index));
        var original = LibTorchCuda.GetCurrentStream(index);
        var side = LibTorchCuda.StreamFromPool(index);
        LibTorchCuda.SetCurrentStream(side);
        GraphCaptureState.Enter();
        try
        {
            for (var run = 0; run < warmupRuns; run++)
            {
                step();
            }

            cuda.synchronize(At(index));
            var (graph, layers) = CaptureOn(side, step, index);
            return new CudaGraphStep(graph, layers, device, index);
        }
        finally
        {
            // The stream first: a synchronisation that throws (an error a warm-up left) must not leave this thread on
            // a stream nothing else orders its work against.
            GraphCaptureState.Exit();
            LibTorchCuda.SetCurrentStream(original);
            cuda.synchronize(At(index));
        }
    }

    /// <summary>Runs the captured step again, on libtorch's current stream (queued after the work before it, as an eager step would be).</summary>
    /// <remarks>
    /// A CUDA error left by earlier work (a kernel that faulted: then every later CUDA call fails too) makes libtorch's
    /// replay throw a C++ exception, which ends the process; eager libtorch calls would report the same error as an
    /// exception. Run with <c>CUDA_LAUNCH_BLOCKING=1</c> to find the faulting kernel.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The graph was disposed.</exception>
    /// <exception cref="CudaGraphException">
    /// A dendrite layer that ran in the captured step has changed since (growth, a revert or pruning changed its sets,
    /// its dendrites were switched on or off, its parameters were replaced by a move or dtype change, its host's or its
    /// sets' parameters were frozen or unfrozen where the step computed gradients, it was unwrapped or disposed, an
    /// activation monitor started watching it): the graph would compute the old model. The message names
    /// the layer and the change; nothing ran.
    /// </exception>
    public void Replay()
    {
        ObjectDisposedException.ThrowIf(_graph == IntPtr.Zero, this);
        if (_layers.FirstChange() is { } change)
        {
            throw new CudaGraphException($"This CUDA graph is stale: {change}. Replaying it would compute the model as it was when the step was captured, reading tensors the model may no longer use. Dispose it and capture the step again.");
        }

        LibTorchCuda.Replay(_graph);
    }

    /// <summary>
    /// Waits for the device, then frees the graph and the memory pool its capture allocated. The tensors the capture
    /// made must not be used after this, the parameters' gradients among them: call <c>zero_grad()</c> before the next
    /// eager step. Never throws.
    /// </summary>
    public void Dispose()
    {
        var graph = _graph;
        _graph = IntPtr.Zero;
        if (graph == IntPtr.Zero)
        {
            return;
        }

        try
        {
            // A replay may still run: the graph's memory goes back only after it has finished.
            cuda.synchronize(At(_deviceIndex));
        }
#pragma warning disable CA1031 // Dispose must not throw; a device that cannot synchronise has failed for every other call too.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        Free(graph);
    }

    private static unsafe (IntPtr Graph, StructureSnapshot Layers) CaptureOn(LibTorchCuda.StreamValue side, Action step, int index)
    {
        var stream = LibTorchCuda.Raw(side);
        var graph = (IntPtr)NativeMemory.AllocZeroed(LibTorchCuda.GraphObjectBytes);
        LibTorchCuda.ConstructGraph(graph);
        LibTorchCuda.CaptureBegin(graph);
        Exception? failure = null;

        // The dendrite layers that run in the captured step record what they compute with, for Replay to compare.
        var outerRecording = StructureWatch.Begin();
        try
        {
            step();
        }
#pragma warning disable CA1031 // The step's exception is rethrown below, inside ours, once the capture is ended.
        catch (Exception e)
#pragma warning restore CA1031
        {
            failure = e;
        }

        var layers = StructureWatch.End(outerRecording);

        // libtorch's capture_end throws a C++ exception on an invalidated capture, which cannot cross into .NET and
        // would end the process. So the capture's state is read first; an invalid capture is ended through the driver,
        // and libtorch's is then ended on an empty capture of one fill kernel, so that its allocator stops routing to
        // the graph's pool and the graph's destructor gives that pool back.
        LibTorchCuda.SetCurrentStream(side);
        var valid = IsCapturing(index, stream);
        if (!valid)
        {
            EndInvalidCapture(index, stream);
            using var scratch = zeros(1, device: At(index));
            Driver(index, stream, static s => CudaDriver.Check(CudaDriver.StreamBeginCapture(s, CudaDriver.CaptureModeThreadLocal), "cuStreamBeginCapture"));
            scratch.zero_();
        }

        LibTorchCuda.CaptureEnd(graph);
        if (valid && failure is null && layers.FirstWatched() is { } watched)
        {
            // The monitor's sums live in tensors it frees and replaces when collected, and its counts on the host.
            Free(graph);
            throw new CudaGraphException($"Layer '{watched}' was watched by an activation monitor (or cascade-correlation's candidate phase) while the step was captured: a replay could not update the monitor's counts and would write into sums it frees when collected. Dispose the monitor before capturing, and run monitored epochs eagerly.");
        }

        if (!valid || failure is not null)
        {
            Free(graph);
            var what = valid
                ? $"The step threw while it was captured as a CUDA graph: {FirstLine(failure!.Message)}"
                : "The step's capture as a CUDA graph was invalidated: something in it synchronised with the device or the host (a synchronize call, a blocking copy) or used the legacy default stream.";
            throw new CudaGraphException(
                $"{what} A captured step must not synchronise with the host (item(), copies to the CPU, data-dependent shapes): keep such work outside it and read results from tensors the step keeps.",
                failure ?? new InvalidOperationException("The capture was invalidated without an exception in the step."));
        }

        return (graph, layers);
    }

    private static bool IsCapturing(int index, IntPtr stream)
    {
        var status = 0;
        Driver(index, stream, s => CudaDriver.Check(CudaDriver.StreamIsCapturing(s, out status), "cuStreamIsCapturing"));
        return status == CudaDriver.CaptureStatusActive;
    }

    private static void EndInvalidCapture(int index, IntPtr stream) => Driver(index, stream, static s =>
    {
        // The driver refuses the invalid capture (its result is expected to be an error) but ends it.
        if (CudaDriver.StreamEndCapture(s, out var partial) == CudaDriver.Success && partial != IntPtr.Zero)
        {
            _ = CudaDriver.GraphDestroy(partial);
        }
    });

    private static void Driver(int index, IntPtr stream, Action<IntPtr> call)
    {
        NativeLibraries.EnsureLoaded();
        CudaDevice.Get(index).InContext(stream, call);
    }

    private static Device At(int index) => new(DeviceType.CUDA, index);

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return end < 0 ? message : message[..end].TrimEnd();
    }

    private static unsafe void Free(IntPtr graph)
    {
        LibTorchCuda.DestroyGraph(graph);
        NativeMemory.Free((void*)graph);
    }
}
