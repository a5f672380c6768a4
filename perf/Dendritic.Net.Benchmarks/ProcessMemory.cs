using System;
using System.IO;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// The soak's memory probes: resident memory (VmRSS), the bytes in use inside glibc's malloc heap (mallinfo2, which
/// is where libtorch's CPU tensors and TorchSharp's Scalars live) and, on CUDA, the device memory in use.
/// </summary>
internal static unsafe class ProcessMemory
{
    private const double MiB = 1024 * 1024;

    /// <summary>Resident memory of this process in MiB, from /proc/self/status (Environment.WorkingSet elsewhere).</summary>
    public static double ResidentMiB()
    {
        const string status = "/proc/self/status";
        if (File.Exists(status))
        {
            foreach (var line in File.ReadLines(status))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kib = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                    return kib / 1024.0;
                }
            }
        }

        return Environment.WorkingSet / MiB;
    }

    /// <summary>
    /// Bytes allocated and not freed in glibc's heap (uordblks + hblkhd of mallinfo2), in MiB; NaN off glibc. Memory
    /// that only a finalizer frees counts here until the finalizer runs.
    /// </summary>
    public static double NativeHeapInUseMiB() => MallInfoMiB(info => info.Uordblks + info.Hblkhd);

    /// <summary>Bytes glibc's heap holds from the system (arena + hblkhd of mallinfo2: in use and free), in MiB; NaN off glibc.</summary>
    public static double NativeHeapHeldMiB() => MallInfoMiB(info => info.Arena + info.Hblkhd);

    /// <summary>Minor page faults of this process so far (Linux; 0 elsewhere): fresh memory touched costs one per page.</summary>
    public static double MinorFaults()
    {
        const string stat = "/proc/self/stat";
        if (!File.Exists(stat))
        {
            return 0;
        }

        var text = File.ReadAllText(stat);
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return double.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture); // field 10 of stat; fields here start at 3
    }

    /// <summary>Device memory in use on the current CUDA device (total less free, so libtorch's cache included), in MiB; NaN on CPU.</summary>
    public static double DeviceInUseMiB(Device device)
    {
        if (device.type != DeviceType.CUDA)
        {
            return double.NaN;
        }

        cuda.synchronize();
        nuint free = 0, total = 0;
        var memGetInfo = CudaMemGetInfo();
        return memGetInfo(&free, &total) == 0 ? (total - free) / MiB : double.NaN;
    }

    /// <summary>One sum of mallinfo2 fields in MiB; NaN off glibc.</summary>
    private static double MallInfoMiB(Func<MallInfo, nuint> bytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            return double.NaN;
        }

        try
        {
            return bytes(MallInfo2()) / MiB;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return double.NaN;
        }
    }

    [DllImport("libc.so.6", EntryPoint = "mallinfo2")]
    private static extern MallInfo MallInfo2();

    private static delegate* unmanaged<nuint*, nuint*, int> CudaMemGetInfo()
    {
        foreach (var name in new[] { "libcudart.so.13", "libcudart.so.12", "libcudart.so" })
        {
            if (NativeLibrary.TryLoad(name, out var library) && NativeLibrary.TryGetExport(library, "cudaMemGetInfo", out var export))
            {
                return (delegate* unmanaged<nuint*, nuint*, int>)export;
            }
        }

        throw new InvalidOperationException("No CUDA runtime library (libcudart) is loaded: cannot read device memory.");
    }

    /// <summary>glibc's struct mallinfo2: ten size_t fields.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct MallInfo
    {
        public readonly nuint Arena;
        public readonly nuint Ordblks;
        public readonly nuint Smblks;
        public readonly nuint Hblks;
        public readonly nuint Hblkhd;
        public readonly nuint Usmblks;
        public readonly nuint Fsmblks;
        public readonly nuint Uordblks;
        public readonly nuint Fordblks;
        public readonly nuint Keepcost;
    }
}
