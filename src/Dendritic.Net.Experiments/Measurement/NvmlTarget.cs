using System;
using System.Globalization;

namespace Dendritic.Experiments;

/// <summary>
/// The GPU NVML should open for a CUDA ordinal (cuda:N). NVML ignores <c>CUDA_VISIBLE_DEVICES</c> and counts every GPU
/// of the machine in PCI bus order, while CUDA numbers only the visible ones (docs/distributed.md runs one GPU per
/// process, so every process is cuda:0): entry N of <c>CUDA_VISIBLE_DEVICES</c> is the GPU meant. A numeric entry is
/// the NVML index; a <c>GPU-...</c> entry is looked up by UUID (exact in any order; give the full UUID as
/// <c>nvidia-smi -L</c> prints it, NVML takes no prefix). Numeric entries, and N itself when the variable is unset,
/// match NVML's numbering only when CUDA numbers GPUs in PCI bus order: CUDA's default order is fastest first, so set
/// <c>CUDA_DEVICE_ORDER=PCI_BUS_ID</c> on machines with different GPUs. Other entries (<c>MIG-...</c>) fall back to N.
/// </summary>
/// <param name="Index">The NVML index; null when <see cref="Uuid"/> names the GPU.</param>
/// <param name="Uuid">The GPU's UUID (<c>GPU-...</c>); null when <see cref="Index"/> names it.</param>
internal sealed record NvmlTarget(uint? Index, string? Uuid)
{
    /// <summary>The environment variable CUDA reads to pick and order the visible GPUs.</summary>
    public const string VisibleDevicesVariable = "CUDA_VISIBLE_DEVICES";

    /// <summary>
    /// The GPU that is CUDA ordinal <paramref name="ordinal"/> under <paramref name="visibleDevices"/> (the value of
    /// <c>CUDA_VISIBLE_DEVICES</c>, null when unset); null, with the reason, when the list has no entry
    /// <paramref name="ordinal"/> (then CUDA has no such GPU either).
    /// </summary>
    public static NvmlTarget? ForCudaOrdinal(string? visibleDevices, uint ordinal, out string reason)
    {
        reason = string.Empty;
        if (visibleDevices is null)
        {
            return new NvmlTarget(ordinal, null);
        }

        var entries = visibleDevices.Split(',', StringSplitOptions.TrimEntries);
        if (visibleDevices.Trim().Length == 0 || ordinal >= entries.Length)
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"not measured: {VisibleDevicesVariable}=\"{visibleDevices}\" has no GPU {ordinal}");
            return null;
        }

        var entry = entries[ordinal];
        if (uint.TryParse(entry, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return new NvmlTarget(index, null);
        }

        return entry.StartsWith("GPU-", StringComparison.OrdinalIgnoreCase) ? new NvmlTarget(null, entry) : new NvmlTarget(ordinal, null);
    }

    /// <summary>The GPU of <paramref name="device"/> ("cuda" or "cuda:N") under this process's <c>CUDA_VISIBLE_DEVICES</c>.</summary>
    public static NvmlTarget? ForDevice(string device, out string reason)
    {
        var colon = device.IndexOf(':', StringComparison.Ordinal);
        var ordinal = colon >= 0 && uint.TryParse(device.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return ForCudaOrdinal(Environment.GetEnvironmentVariable(VisibleDevicesVariable), ordinal, out reason);
    }

    /// <summary>"GPU 3" or "GPU GPU-8f2c...", for reports.</summary>
    public override string ToString() => Uuid is { } uuid ? "GPU " + uuid : string.Create(CultureInfo.InvariantCulture, $"GPU {Index}");
}
