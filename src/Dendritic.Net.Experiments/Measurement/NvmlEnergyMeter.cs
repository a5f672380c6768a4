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

    public override string Source => string.Create(CultureInfo.InvariantCulture, $"NVML, GPU {Device.Index}, whole device incl. other processes");

    public static NvmlEnergyMeter? TryCreate(uint index, out string reason)
    {
        var device = NvmlDevice.TryOpen(index, out reason);
        if (device is null)
        {
            return null;
        }

        if (device.TotalEnergyMillijoules() is null)
        {
            device.Dispose();
            reason = string.Create(CultureInfo.InvariantCulture, $"not measured: GPU {index} has no NVML energy counter (needs Volta or newer)");
            return null;
        }

        return new NvmlEnergyMeter(device);
    }

    public override double? ReadJoules() => Device.TotalEnergyMillijoules() is { } mj ? mj / 1000.0 : null;

    public override void Dispose()
    {
        Device.Dispose();
        base.Dispose();
    }
}
