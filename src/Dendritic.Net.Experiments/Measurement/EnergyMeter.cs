using System;

namespace Dendritic.Experiments;

/// <summary>A cumulative hardware energy counter: RAPL for CPU packages, NVML for NVIDIA GPUs.</summary>
internal abstract class EnergyMeter : IDisposable
{
    /// <summary>What is measured, for reports (for example "RAPL, 2 CPU packages, whole machine").</summary>
    public abstract string Source { get; }

    /// <summary>The counter in joules, or null when it cannot be read now.</summary>
    public abstract double? ReadJoules();

    public virtual void Dispose()
    {
    }

    /// <summary>The meter for <paramref name="device"/>, or null with the reason it cannot be measured.</summary>
    public static EnergyMeter? For(string device, out string reason)
    {
        if (device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase))
        {
            return NvmlEnergyMeter.TryCreate(device, out reason);
        }

        return RaplEnergyMeter.TryCreate(out reason);
    }
}
