using System;
using System.Globalization;
using System.IO;

namespace Dendritic.Experiments;

/// <summary>
/// Peak resident memory of this process on Linux: VmHWM from /proc/self/status, reset before each arm by writing 5 to
/// /proc/self/clear_refs. Elsewhere, or when the files cannot be used, nothing is measured.
/// </summary>
internal static class MemoryProbe
{
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    public static long? PeakBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var parts = line["VmHWM:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or NotSupportedException)
        {
            return null;
        }

        return null;
    }
}
