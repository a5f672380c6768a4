using System;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Dendritic.Experiments;

/// <summary>
/// One NVIDIA GPU through NVML, loaded at run time (no build-time dependency): the one place that loads the library,
/// initialises it and reads the counters the harness uses (energy, utilisation, memory). Without the NVIDIA driver,
/// <see cref="TryOpenCuda"/> says why and nothing is measured.
/// </summary>
internal sealed class NvmlDevice : IDisposable
{
    /// <summary>The NVML library of this operating system.</summary>
    public static readonly string LibraryName = OperatingSystem.IsWindows() ? "nvml.dll" : "libnvidia-ml.so.1";

    private readonly IntPtr _library;
    private readonly IntPtr _device;
    private readonly Shutdown _shutdown;
    private readonly GetEnergy? _energy;
    private readonly GetUtilization? _utilization;
    private readonly GetMemory? _memory;
    private bool _disposed;

    private NvmlDevice(IntPtr library, IntPtr device, NvmlTarget target, Shutdown shutdown)
    {
        _library = library;
        _device = device;
        Target = target;
        _shutdown = shutdown;
        _energy = Export<GetEnergy>(library, "nvmlDeviceGetTotalEnergyConsumption");
        _utilization = Export<GetUtilization>(library, "nvmlDeviceGetUtilizationRates");
        _memory = Export<GetMemory>(library, "nvmlDeviceGetMemoryInfo");
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int Init();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int Shutdown();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetHandle(uint index, out IntPtr device);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetHandleByUuid([MarshalAs(UnmanagedType.LPStr)] string uuid, out IntPtr device);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetEnergy(IntPtr device, out ulong millijoules);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetUtilization(IntPtr device, out Utilization utilization);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetMemory(IntPtr device, out Memory memory);

    /// <summary>The GPU, as NVML numbers or names it (see <see cref="NvmlTarget"/>).</summary>
    public NvmlTarget Target { get; }

    /// <summary>
    /// Opens the GPU of <paramref name="device"/> ("cuda" or "cuda:N", mapped through <c>CUDA_VISIBLE_DEVICES</c> by
    /// <see cref="NvmlTarget.ForDevice"/>); null with "not measured: why" when NVML or the GPU is missing.
    /// </summary>
    public static NvmlDevice? TryOpenCuda(string device, out string reason) =>
        NvmlTarget.ForDevice(device, out reason) is { } target ? TryOpen(target, out reason) : null;

    /// <summary>Opens GPU <paramref name="target"/>; null with "not measured: why" when NVML or the GPU is missing.</summary>
    /// <param name="target">The GPU, by NVML index or UUID.</param>
    /// <param name="reason">Why nothing can be measured; empty on success.</param>
    /// <param name="library">The library to load; <see cref="LibraryName"/> normally (tests give a missing one).</param>
    public static NvmlDevice? TryOpen(NvmlTarget target, out string reason, string? library = null)
    {
        var name = library ?? LibraryName;
        if (!NativeLibrary.TryLoad(name, out var handle))
        {
            reason = "not measured: NVML (" + name + ") not found";
            return null;
        }

        if (Export<Init>(handle, "nvmlInit_v2") is not { } init
            || Export<Shutdown>(handle, "nvmlShutdown") is not { } shutdown
            || Export<GetHandle>(handle, "nvmlDeviceGetHandleByIndex_v2") is not { } getHandle
            || Export<GetHandleByUuid>(handle, "nvmlDeviceGetHandleByUUID") is not { } getHandleByUuid)
        {
            NativeLibrary.Free(handle);
            reason = "not measured: " + name + " is not a usable NVML";
            return null;
        }

        var rc = init();
        if (rc != 0)
        {
            NativeLibrary.Free(handle);
            reason = string.Create(CultureInfo.InvariantCulture, $"not measured: nvmlInit failed ({rc})");
            return null;
        }

        var found = target.Uuid is { } uuid ? getHandleByUuid(uuid, out var device) : getHandle(target.Index ?? 0, out device);
        if (found != 0)
        {
            shutdown();
            NativeLibrary.Free(handle);
            reason = string.Create(CultureInfo.InvariantCulture, $"not measured: NVML has no {target} ({found})");
            return null;
        }

        reason = string.Empty;
        return new NvmlDevice(handle, device, target, shutdown);
    }

    /// <summary>Energy since the driver loaded, millijoules; null when this GPU has no counter (before Volta) or it cannot be read.</summary>
    public ulong? TotalEnergyMillijoules() => _energy is { } read && read(_device, out var mj) == 0 ? mj : null;

    /// <summary>Percent of the last sample period (1/6 s to 1 s by product) in which a kernel ran; null when unreadable.</summary>
    public uint? UtilizationPercent() => _utilization is { } read && read(_device, out var u) == 0 ? u.Gpu : null;

    /// <summary>Device memory in use (every process, the CUDA contexts included), bytes; null when unreadable.</summary>
    public ulong? UsedMemoryBytes() => _memory is { } read && read(_device, out var m) == 0 ? m.Used : null;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _shutdown();
        NativeLibrary.Free(_library);
    }

    private static T? Export<T>(IntPtr library, string name)
        where T : Delegate =>
        NativeLibrary.TryGetExport(library, name, out var address) ? Marshal.GetDelegateForFunctionPointer<T>(address) : null;

    /// <summary>nvmlUtilization_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Utilization
    {
        public uint Gpu;
        public uint MemoryBus;
    }

    /// <summary>nvmlMemory_t (version 1).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Memory
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }
}
