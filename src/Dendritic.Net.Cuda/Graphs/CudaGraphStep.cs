using System;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Cuda;

/// <summary>
/// A step (a forward, or a forward and backward) captured once as a CUDA graph and then replayed with one launch: the CPU no longer issues the step's kernels one by one, which is what bounds the training
/// step of small layers (docs/benchmarks.md). This is libtorch's own <c>at::cuda::CUDAGraph</c> (as
/// <c>torch.cuda.CUDAGraph</c> in Python), so libtorch's caching allocator takes part: the memory the step allocates
/// while it is captured comes from a pool private to this graph and stays reserved until <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// <para>A replay repeats the captured kernels on the same memory: the step must read its inputs from tensors that
/// stay alive (copy each new batch into them with <c>copy_</c> before <see cref="Replay"/>), and its results are read
/// from tensors it kept (a field the step sets, moved out of any dispose scope), which each replay overwrites.</para>
/// <para>Start a training step with <c>zero_grad()</c> (which sets gradients to none and launches no kernel): the
/// captured backward then writes fresh gradients on every replay. Gradients that exist when the step is captured
/// (the warm-up runs leave some unless the step clears them) are added to on every replay instead.</para>
/// <para>The step must not synchronise with the host while it is captured (no <c>item()</c>, no copies to the CPU, no
/// data-dependent shapes) and must run its CUDA work on the device given. Keep <c>optimizer.step()</c> out of it:
/// TorchSharp's optimizers count their steps on the host, so a captured step would replay the first step's bias
/// correction. Capture again after the model changes (growth, parameters replaced, dendrites switched). Works with the fused cascade
/// (<see cref="CudaCascade"/>), whose kernels run on libtorch's current stream. Linux only: libtorch's graph is reached
/// through its C++ entry points, checked on libtorch 2.11.</para>
/// </remarks>
public sealed class CudaGraphStep : IDisposable
{
    private IntPtr _graph;

    private CudaGraphStep(IntPtr graph, Device device)
    {
        _graph = graph;
        Device = device;
    }

    /// <summary>The device the step was captured on.</summary>
    public Device Device { get; }

    /// <summary>
    /// Runs <paramref name="step"/> <paramref name="warmupRuns"/> times on a side stream (libtorch's libraries set up
    /// their workspaces, the fused cascade compiles its kernels), then once more while capturing it, and returns the
    /// captured graph. The work queued on the device before is finished first (the device is synchronised), and so is
    /// the capture before this returns; the current stream is libtorch's default stream again afterwards.
    /// </summary>
    /// <param name="step">The work to capture; see the remarks on what it may do.</param>
    /// <param name="device">A CUDA device, the current one (TorchSharp's <c>cuda:0</c> unless changed).</param>
    /// <param name="warmupRuns">Runs before the capture (default 3, at least 1): their effects (gradients, optimizer steps) happen as in eager runs.</param>
    /// <returns>The graph; dispose it to free its memory.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="step"/> or <paramref name="device"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="device"/> is not a CUDA device.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="warmupRuns"/> is below 1.</exception>
    /// <exception cref="CudaGraphException">
    /// libtorch's CUDA entry points are missing (not Linux, no CUDA build of libtorch, another libtorch version: the
    /// message names the missing one), <paramref name="device"/> is not the current device, or the captured run failed
    /// (its exception is the inner one) or synchronised with the host (the capture is invalid; the memory it took stays
    /// reserved until the process exits).
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
        if (LibTorchCuda.Missing is string missing)
        {
            throw new CudaGraphException($"CUDA graphs are not available: {missing} Run the step eagerly.");
        }

        var index = device.index < 0 ? 0 : device.index;
        var current = LibTorchCuda.CurrentDevice();
        if (current != index)
        {
            throw new CudaGraphException($"A CUDA graph is captured on the current device, cuda:{current}; the step was given cuda:{index}. Capture on cuda:{current}.");
        }

        cuda.synchronize(device);
        var original = LibTorchCuda.GetCurrentStream(index);
        LibTorchCuda.SetCurrentStream(LibTorchCuda.StreamFromPool(index));
        GraphCaptureState.Enter();
        try
        {
            for (var run = 0; run < warmupRuns; run++)
            {
                step();
            }

            cuda.synchronize(device);
            return new CudaGraphStep(CaptureOnCurrentStream(step, index), device);
        }
        finally
        {
            GraphCaptureState.Exit();
            cuda.synchronize(device);
            LibTorchCuda.SetCurrentStream(original);
        }
    }

    /// <summary>Runs the captured step again, on libtorch's current stream (queued after the work before it, as an eager step would be).</summary>
    /// <exception cref="ObjectDisposedException">The graph was disposed.</exception>
    public void Replay()
    {
        ObjectDisposedException.ThrowIf(_graph == IntPtr.Zero, this);
        LibTorchCuda.Replay(_graph);
    }

    /// <summary>Frees the graph and the memory pool its capture allocated (the tensors the step kept must not be used after this).</summary>
    public void Dispose()
    {
        var graph = _graph;
        _graph = IntPtr.Zero;
        if (graph != IntPtr.Zero)
        {
            // A replay may still run: the graph's memory goes back only after it has finished.
            cuda.synchronize(Device);
            Free(graph, constructed: true);
        }
    }

    private static unsafe IntPtr CaptureOnCurrentStream(Action step, int index)
    {
        var graph = (IntPtr)NativeMemory.AllocZeroed(LibTorchCuda.GraphObjectBytes);
        LibTorchCuda.ConstructGraph(graph);
        LibTorchCuda.CaptureBegin(graph);
        Exception? failure = null;
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

        // libtorch's capture_end throws a C++ exception on an invalidated capture, which cannot cross into .NET: the
        // capture's state is read first, and an invalid capture is ended through the driver instead (its pool stays).
        var stream = LibTorchCuda.Raw(LibTorchCuda.GetCurrentStream(index));
        if (!IsCapturing(index, stream))
        {
            EndInvalidCapture(index, stream);
            Free(graph, constructed: true);
            throw new CudaGraphException(
                "The step's capture as a CUDA graph was invalidated: something in it synchronised with the host (item(), a copy to the CPU, a data-dependent shape) or used another stream. " +
                "Keep such work out of the captured step. The memory the capture took stays reserved until the process exits.",
                failure ?? new InvalidOperationException("The capture was invalidated without an exception in the step."));
        }

        LibTorchCuda.CaptureEnd(graph);
        if (failure is not null)
        {
            Free(graph, constructed: true);
            throw new CudaGraphException($"The step threw while it was captured as a CUDA graph, though not in its warm-up runs: {failure.Message} Capture a step that runs the same way every time.", failure);
        }

        return graph;
    }

    private static bool IsCapturing(int index, IntPtr stream)
    {
        var status = 0;
        CudaDevice.Get(index).InContext(stream, s => CudaDriver.Check(CudaDriver.StreamIsCapturing(s, out status), "cuStreamIsCapturing"));
        return status == CudaDriver.CaptureStatusActive;
    }

    private static void EndInvalidCapture(int index, IntPtr stream) => CudaDevice.Get(index).InContext(stream, static s =>
    {
        // The driver refuses the invalid capture (its result is expected to be an error) but ends it.
        if (CudaDriver.StreamEndCapture(s, out var partial) == CudaDriver.Success && partial != IntPtr.Zero)
        {
            _ = CudaDriver.GraphDestroy(partial);
        }
    });

    private static unsafe void Free(IntPtr graph, bool constructed)
    {
        if (constructed)
        {
            LibTorchCuda.DestroyGraph(graph);
        }

        NativeMemory.Free((void*)graph);
    }
}
