using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;

namespace Dendritic.Cuda;

/// <summary>
/// Finds NVRTC and the CUDA driver at run time (no CUDA toolkit needed): the file named by an environment variable
/// when set, else the names the NVIDIA driver and the NVRTC redistributable install (libnvrtc.so.13, .12; libcuda.so.1;
/// on Windows nvrtc64_130_0.dll, nvrtc64_120_0.dll and nvcuda.dll) on the system's library search path.
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

    private static readonly string[] NvrtcNames = OperatingSystem.IsWindows()
        ? new[] { "nvrtc64_130_0.dll", "nvrtc64_120_0.dll" }
        : new[] { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so" };

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

    /// <summary>Loads NVRTC and the driver now, or says which one is missing and how to point at it.</summary>
    /// <exception cref="CudaKernelException">A library cannot be loaded.</exception>
    public static void EnsureLoaded()
    {
        Register();
        Load(NvrtcPathVariable, NvrtcNames, "NVRTC (the CUDA run-time compiler; pip: nvidia-cuda-nvrtc, or PyTorch's CUDA wheels)");
        Load(DriverPathVariable, DriverNames, "the CUDA driver (installed with the NVIDIA driver)");
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) => name switch
    {
        Nvrtc => Load(NvrtcPathVariable, NvrtcNames, "NVRTC"),
        Driver => Load(DriverPathVariable, DriverNames, "the CUDA driver"),
        _ => IntPtr.Zero,
    };

    private static IntPtr Load(string variable, IReadOnlyList<string> names, string what)
    {
        var path = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(path))
        {
            return NativeLibrary.TryLoad(path, out var handle)
                ? handle
                : throw new CudaKernelException($"{variable} names '{path}', which cannot be loaded as {what}. Point it at the library file, or unset it to search {string.Join(", ", names)}.");
        }

        foreach (var candidate in names)
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                return handle;
            }
        }

        throw new CudaKernelException($"Cannot load {what}: none of {string.Join(", ", names)} is on the library search path. Install it, add its folder to the search path (LD_LIBRARY_PATH, PATH), or set {variable} to its full path.");
    }
}
