using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;

namespace Dendritic.Cuda;

/// <summary>
/// Finds NVRTC and the CUDA driver at run time (no CUDA toolkit needed): the file named by an environment variable
/// when set, else the names the NVIDIA driver and the NVRTC redistributable install (libnvrtc.so.13, .12; libcuda.so.1;
/// on Windows nvrtc64_130_0.dll, nvrtc64_120_0.dll and nvcuda.dll) on the system's library search path, NVRTC's in
/// the order <see cref="NvrtcSearchOrder"/> gives for the driver found (the newest NVRTC the driver supports first).
/// </summary>
internal static class NativeLibraries
{
    /// <summary>The logical library name of NVRTC in this assembly's imports.</summary>
    public const string Nvrtc = "dendritic-nvrtc";

    /// <summary>The logical library name of the CUDA driver API in this assembly's imports.</summary>
    public const string Driver = "dendritic-cuda-driver";

    /// <summary>Full path of the NVRTC library to load instead of searching (e.g. a pip wheel's nvidia/cu13/lib/libnvrtc.so.13).</summary>
    public const string NvrtcPathVariable = "DENDRITIC_NVRTC_PATH";

    /// <summary>Full path of the CUDA driver library (libcuda.so.1, nvcuda.dll) to load instead of searching.</summary>
    public const string DriverPathVariable = "DENDRITIC_CUDA_DRIVER_PATH";

    private static readonly NvrtcCandidate[] NvrtcCandidates = OperatingSystem.IsWindows()
        ? new NvrtcCandidate[] { new("nvrtc64_130_0.dll", 13), new("nvrtc64_120_0.dll", 12) }
        : new NvrtcCandidate[] { new("libnvrtc.so.13", 13), new("libnvrtc.so.12", 12), new("libnvrtc.so", null) };

    private static readonly string[] DriverNames = OperatingSystem.IsWindows() ? new[] { "nvcuda.dll" } : new[] { "libcuda.so.1", "libcuda.so" };

    private static int _registered;

    /// <summary>Installs the resolver for this assembly's imports (once per process).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
        }
    }

    private const string DriverDescription = "the CUDA driver (installed with the NVIDIA driver; without an NVIDIA GPU and its driver the fused CUDA cascade cannot run, and the layers keep the reference path)";

    private const string NvrtcDescription = "NVRTC (the CUDA run-time compiler; pip: nvidia-cuda-nvrtc, or PyTorch's CUDA wheels)";

    /// <summary>Loads the driver and NVRTC now, or says which one is missing and how to point at it.</summary>
    /// <remarks>The driver first: on a machine without an NVIDIA GPU that is the missing piece to name.</remarks>
    /// <exception cref="CudaKernelException">A library cannot be loaded, or the file loaded is not that library.</exception>
    public static void EnsureLoaded()
    {
        Register();
        LoadDriver();
        LoadNvrtc();
    }

    /// <summary>Loads NVRTC alone (for its version), or says how to point at it.</summary>
    /// <exception cref="CudaKernelException">NVRTC cannot be loaded, or the file loaded is not NVRTC.</exception>
    public static void EnsureNvrtcLoaded()
    {
        Register();
        LoadNvrtc();
    }

    private static IntPtr LoadDriver() => Load(DriverPathVariable, () => DriverNames, DriverDescription, "cuInit");

    private static IntPtr LoadNvrtc() => Load(NvrtcPathVariable, NvrtcNames, NvrtcDescription, "nvrtcVersion");

    private static string[] NvrtcNames() => NvrtcSearchOrder.For(DriverVersion(), NvrtcCandidates).Select(c => c.Name).ToArray();

    /// <summary>
    /// The CUDA version the driver supports (cuDriverGetVersion, which needs no cuInit: 12080 for 12.8), or null when
    /// the driver cannot be loaded or does not answer (NVRTC alone, for its version, needs no driver).
    /// </summary>
    /// <remarks>
    /// Called through the export's address, not through <see cref="CudaDriver"/>'s import: NVRTC is looked for inside
    /// this assembly's import resolver, where a missing driver must mean "unknown", not a second resolution that throws.
    /// </remarks>
    private static unsafe int? DriverVersion()
    {
        IntPtr driver;
        try
        {
            driver = LoadDriver();
        }
        catch (CudaKernelException)
        {
            return null;
        }

        if (!NativeLibrary.TryGetExport(driver, "cuDriverGetVersion", out var address))
        {
            return null;
        }

        var version = 0;
        return ((delegate* unmanaged<int*, int>)address)(&version) == CudaDriver.Success ? version : null;
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) => name switch
    {
        Nvrtc => LoadNvrtc(),
        Driver => LoadDriver(),
        _ => IntPtr.Zero,
    };

    /// <summary>
    /// The library named by <paramref name="variable"/>, else the first of <paramref name="searchNames"/>() that loads;
    /// either must export <paramref name="entryPoint"/>, so that a wrong file fails here, with its name, and not at the
    /// first call into it. The names are asked for only when they are searched or named in an error (NVRTC's need the
    /// driver's version).
    /// </summary>
    private static IntPtr Load(string variable, Func<IReadOnlyList<string>> searchNames, string what, string entryPoint)
    {
        var path = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(path))
        {
            if (!NativeLibrary.TryLoad(path, out var handle))
            {
                throw new CudaKernelException($"{variable} names '{path}', which cannot be loaded as {what}. Point it at the library file, or unset it to search {string.Join(", ", searchNames())}.");
            }

            if (NativeLibrary.TryGetExport(handle, entryPoint, out _))
            {
                return handle;
            }

            NativeLibrary.Free(handle);
            throw new CudaKernelException($"{variable} names '{path}', which loads but is not {what}: it has no '{entryPoint}'. Point it at the library file, or unset it to search {string.Join(", ", searchNames())}.");
        }

        var names = searchNames();

        // A name that loads but lacks the entry point is another library of that name (a stub, a wrapper): it is
        // released, skipped, and named in the error, which would otherwise say that nothing was found.
        var impostors = new List<string>();
        foreach (var candidate in names)
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                if (NativeLibrary.TryGetExport(handle, entryPoint, out _))
                {
                    return handle;
                }

                NativeLibrary.Free(handle);
                impostors.Add(candidate);
            }
        }

        var found = impostors.Count == 0 ? string.Empty : $" ({string.Join(", ", impostors)} loaded but has no '{entryPoint}': not {what})";
        throw new CudaKernelException($"Cannot load {what}: none of {string.Join(", ", names)} is on the library search path{found}. Install it, add its folder to the search path (LD_LIBRARY_PATH, PATH), or set {variable} to its full path.");
    }
}
