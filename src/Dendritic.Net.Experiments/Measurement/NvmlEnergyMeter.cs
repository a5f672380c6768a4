using System.Globalization;

namespace Dendritic.Experiments;

/// <summary>
/// NVIDIA GPU energy from NVML's total-energy counter (nvmlDeviceGetTotalEnergyConsumption, millijoules since driver
/// load; Volta and newer), read through <see cref="NvmlDevice"/>. The meter owns the device and disposes it.
/// </summary>
internal sealed class NvmlEnergyMeter : EnergyMeter
{
    private NvmlEnergyMeter(NvmlDevice device) => Device = device;

    /// <summary>The GPU.</summary>
    public NvmlDevice Device { get; }

    public override string Source => string.Create(CultureInfo.InvariantCulture, $"NVML, {Device.Target}, whole device incl. other processes");

    /// <summary>The meter for <paramref name="device"/> ("cuda" or "cuda:N"), or null with "not measured: why".</summary>
    public static NvmlEnergyMeter? TryCreate(string device, out string reason)
    {
        var gpu = NvmlDevice.TryOpenCuda(device, out reason);
        if (gpu is null)
        {
            return null;
        }

        if (gpu.TotalEnergyMillijoules() is null)
        {
            gpu.Dispose();
            reason = string.Create(CultureInfo.InvariantCulture, $"not measured: {gpu.Target} has no NVML energy counter (needs Volta or newer)");
            return null;
        }

        return new NvmlEnergyMeter(gpu);
    }

    public override double? ReadJoules() => Device.TotalEnergyMillijoules() is { } mj ? mj / 1000.0 : null;

    public override void Dispose()
    {
        Device.Dispose();
        base.Dispose();
    }
}
