using System;
using System.Runtime.InteropServices;

namespace Dendritic.Benchmarks;

/// <summary>
/// An experiment switch of the modes that time our layers against the original (<c>versus-probe</c>,
/// <c>cascade-sequences</c>; it matters on the CPU, where tensors live on glibc's heap):
/// <c>DENDRITIC_NATIVE_HEAP=retain</c> makes glibc keep freed memory (mmap threshold 32 MiB, the most it accepts, and no
/// trimming), so that a step's output-sized tensors reuse pages the process already touched instead of page-faulting
/// fresh ones. Anything else leaves glibc's defaults, as every recorded run used. Measured both ways in
/// docs/benchmarks-cpu.md ("Where the last few percent go", page faults): far fewer page faults where a step had many,
/// faster small-convolution steps on the development box; on the H200 host, with the order alternating ("Run 9 and four
/// process probes"), faster small and slower large convolutions. So neither the library nor these modes set it by
/// default.
/// </summary>
internal static partial class BenchHeap
{
    private const int TrimThresholdOption = -1; // M_TRIM_THRESHOLD
    private const int MmapThresholdOption = -3; // M_MMAP_THRESHOLD
    private const int LargestHeapBlockBytes = 32 << 20;

    /// <summary>Applies the switch; returns "retain" when glibc took both settings, else "default".</summary>
    public static string Configure()
    {
        if (!string.Equals(Environment.GetEnvironmentVariable("DENDRITIC_NATIVE_HEAP"), "retain", StringComparison.OrdinalIgnoreCase) || !OperatingSystem.IsLinux())
        {
            return "default";
        }

        try
        {
            // mallopt returns 1 for a value it accepts; musl accepts none.
            return Mallopt(MmapThresholdOption, LargestHeapBlockBytes) == 1 && Mallopt(TrimThresholdOption, int.MaxValue) == 1 ? "retain" : "default";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return "default";
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int Mallopt(int option, int value);
}
