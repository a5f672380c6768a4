using System;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Dendritic.Experiments;

/// <summary>
/// NVIDIA GPU energy from NVML's total-energy counter (nvmlDeviceGetTotalEnergyConsumption, millijoules since driver
/// load; Volta and newer). Loaded dynamically: without the NVIDIA driver nothing is measured.
/// </summary>
internal sealed class NvmlEnergyMeter : EnergyMeter
{
    private readonly IntPtr _library;
    private readonly IntPtr _device;
    private readonly GetEnergy _getEnergy;
    private readonly Shutdown _shutdown;
    private readonly uint _index;

    private NvmlEnergyMeter(IntPtr library, IntPtr device, GetEnergy getEnergy, Shutdown shutdown, uint index)
    {
        _library = library;
        _device = device;
        _getEnergy = getEnergy;
        _shutdown = shutdown;
        _index = index;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int Init();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int Shutdown();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetHandle(uint index, out IntPtr device);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetEnergy(IntPtr device, out ulong millijoules);

    public override string Source => string.Create(CultureInfo.InvariantCulture, $"NVML, GPU {_index}, whole device incl. other processes");

    public static NvmlEnergyMeter? TryCreate(uint index, out string reason)
    {
        var name = OperatingSystem.IsWindows() ? "nvml.dll" : "libnvidia-ml.so.1";
        if (!NativeLibrary.TryLoad(name, out var library))
        {
            reason = "not measured: NVML (" + name + ") not found";
            return null;
        }

        if (!NativeLibrary.TryGetExport(library, "nvmlInit_v2", out var init)
            || !NativeLibrary.TryGetExport(library, "nvmlShutdown", out var shutdown)
            || !NativeLibrary.TryGetExport(library, "nvmlDeviceGetHandleByIndex_v2", out var handle)
            || !NativeLibrary.TryGetExport(library, "nvmlDeviceGetTotalEnergyConsumption", out var energy))
        {
            NativeLibrary.Free(library);
            reason = "not measured: this NVML lacks the energy counter";
            return null;
        }

        var shutdownFn = Marshal.GetDelegateForFunctionPointer<Shutdown>(shutdown);
        var rc = Marshal.GetDelegateForFunctionPointer<Init>(init)();
        if (rc != 0)
        {
            NativeLibrary.Free(library);
            reason = string.Create(CultureInfo.InvariantCulture, $"not measured: nvmlInit failed ({rc})");
            return null;
        }

        var getEnergy = Marshal.GetDelegateForFunctionPointer<GetEnergy>(energy);
        if (Marshal.GetDelegateForFunctionPointer<GetHandle>(handle)(index, out var device) != 0 || getEnergy(device, out _) != 0)
        {
            shutdownFn();
            NativeLibrary.Free(library);
            reason = string.Create(CultureInfo.InvariantCulture, $"not measured: GPU {index} has no NVML energy counter (needs Volta or newer)");
            return null;
        }

        reason = string.Empty;
        return new NvmlEnergyMeter(library, device, getEnergy, shutdownFn, index);
    }

    public override double? ReadJoules() => _getEnergy(_device, out var mj) == 0 ? mj / 1000.0 : null;

    public override void Dispose()
    {
        _shutdown();
        NativeLibrary.Free(_library);
        base.Dispose();
    }
}
