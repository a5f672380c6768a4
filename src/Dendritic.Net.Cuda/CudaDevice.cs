using System;

namespace Dendritic.Cuda;

/// <summary>One GPU as the driver API sees it: libtorch's primary context on it, its compute capability and size.</summary>
internal sealed class CudaDevice
{
    // One per GPU for the process: opening retains the primary context, so it runs once per device even when two
    // threads (two launchers, forward and autograd's device thread) meet the device first at the same time.
    private static readonly OncePerKey<int, CudaDevice> Opened = new();

    /// <summary>A device with the given context and attributes, made without the driver (<see cref="Get"/> opens a real one).</summary>
    internal CudaDevice(int index, IntPtr context, int major, int minor, int multiprocessors)
    {
        Index = index;
        Context = context;
        Major = major;
        Minor = minor;
        Multiprocessors = multiprocessors;
    }

    public int Index { get; }

    /// <summary>The device's primary context: the one the CUDA runtime, and so libtorch, uses.</summary>
    public IntPtr Context { get; }

    public int Major { get; }

    public int Minor { get; }

    public int Multiprocessors { get; }

    /// <summary>The NVRTC option that compiles for this device's own architecture: <c>--gpu-architecture=sm_XY</c>.</summary>
    public string Architecture => FormattableString.Invariant($"--gpu-architecture=sm_{Major}{Minor}");

    /// <summary>
    /// Device <paramref name="index"/>, opened on first use: its primary context retained exactly once for the process
    /// (and kept for the process's life, as libtorch keeps it) and its attributes read. A failed open is not kept (a
    /// retain it took is released): the next call tries again.
    /// </summary>
    /// <exception cref="CudaKernelException">The driver cannot be initialised, or has no such device.</exception>
    public static CudaDevice Get(int index) => Opened.Get(index, Open);

    private static CudaDevice Open(int index)
    {
        CudaDriver.Check(CudaDriver.Init(0), "cuInit");
        CudaDriver.Check(CudaDriver.DeviceGet(out var device, index), $"cuDeviceGet({index})");
        CudaDriver.Check(CudaDriver.DevicePrimaryCtxRetain(out var context, device), "cuDevicePrimaryCtxRetain");
        try
        {
            CudaDriver.Check(CudaDriver.DeviceGetAttribute(out var major, CudaDriver.AttributeComputeCapabilityMajor, device), "cuDeviceGetAttribute(major)");
            CudaDriver.Check(CudaDriver.DeviceGetAttribute(out var minor, CudaDriver.AttributeComputeCapabilityMinor, device), "cuDeviceGetAttribute(minor)");
            CudaDriver.Check(CudaDriver.DeviceGetAttribute(out var count, CudaDriver.AttributeMultiprocessorCount, device), "cuDeviceGetAttribute(multiprocessors)");
            return new CudaDevice(index, context, major, minor, count);
        }
        catch
        {
            // A failed open is not kept and the next call retains again: give this retain back, or each retry would
            // leave one more. Its own result is ignored, so that the attribute's error is the one reported.
            Release(device);
            throw;
        }
    }

    private static void Release(int device)
    {
        try
        {
            _ = CudaDriver.DevicePrimaryCtxRelease(device);
        }
        catch (EntryPointNotFoundException)
        {
            // A driver older than CUDA 11 has no _v2 entry point (nor runs NVRTC 12 kernels): the retain stays, as before.
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/>(<paramref name="state"/>) with the primary context current on this thread, then
    /// makes the thread's previous context (or none) current again (<see cref="CurrentContextScope.Run"/>). A module
    /// load and a launch need it current; backward runs on autograd's device thread, where libtorch has normally made it
    /// current already (then nothing changes).
    /// </summary>
    /// <exception cref="CudaKernelException">The driver cannot read or set the thread's current context; an exception of <paramref name="body"/> is thrown as it is.</exception>
    public void InContext<TState>(TState state, Action<TState> body) => CurrentContextScope.Run(Context, DriverContextBinding.Instance, state, body);
}
