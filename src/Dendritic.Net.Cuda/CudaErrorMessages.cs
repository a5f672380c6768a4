using System;
using System.Collections.Generic;
using System.Globalization;

namespace Dendritic.Cuda;

/// <summary>
/// The messages of <see cref="CudaKernelException"/> for failed driver and NVRTC calls: the call, the error's name
/// and code, and, for the failures a user can fix, what to do. Pure functions, so that the wording is tested without
/// a GPU.
/// </summary>
internal static class CudaErrorMessages
{
    // CUresult values of cuda.h that have a fix to name.
    internal const int NotInitialized = 3;
    internal const int StubLibrary = 34;
    internal const int InsufficientDriver = 35;
    internal const int NoDevice = 100;
    internal const int InvalidDevice = 101;
    internal const int InvalidImage = 200;
    internal const int NoBinaryForGpu = 209;
    internal const int UnsupportedPtxVersion = 222;
    internal const int IllegalAddress = 700;
    internal const int LaunchFailed = 719;
    internal const int SystemDriverMismatch = 803;

    // nvrtcResult values of nvrtc.h.
    internal const int NvrtcInvalidOption = 5;

    /// <summary>The oldest NVRTC major version supported (docs/cuda.md: NVRTC 12 or 13).</summary>
    internal const int MinNvrtcMajor = 12;

    /// <summary>The message for driver call <paramref name="call"/> that returned <paramref name="result"/> (named <paramref name="name"/> by cuGetErrorName, when it could).</summary>
    public static string DriverFailure(string call, int result, string? name)
    {
        var message = string.Create(CultureInfo.InvariantCulture, $"CUDA driver {call} failed: {name ?? "unknown error"} ({result}).");
        var fix = DriverFix(result);
        return fix is null ? message : $"{message} {fix}";
    }

    /// <summary>
    /// The message for a failed nvrtcCompileProgram: the options, NVRTC's result (<paramref name="errorText"/>, from
    /// nvrtcGetErrorString) and its log; for a rejected option, which is how NVRTC refuses a GPU architecture it does
    /// not know or no longer supports, the fix.
    /// </summary>
    public static string CompileFailure(IReadOnlyList<string> options, int result, string? errorText, string log)
    {
        var message = string.Create(CultureInfo.InvariantCulture, $"NVRTC could not compile cascade.cu with {string.Join(" ", options)}: {errorText ?? "unknown error"} ({result}). Log: {log}");
        return result == NvrtcInvalidOption
            ? $"{message} NVRTC rejects an option, most likely the GPU architecture: this NVRTC predates the GPU, or no longer supports it (CUDA 13 dropped compute capabilities below 7.5). Point {NativeLibraries.NvrtcPathVariable} at an NVRTC that supports this GPU (NVRTC 12 for Volta and older)."
            : message;
    }

    /// <summary>The problem with NVRTC <paramref name="major"/>.<paramref name="minor"/>, or null when it is supported.</summary>
    public static string? NvrtcVersionProblem(int major, int minor) =>
        major >= MinNvrtcMajor
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"The NVRTC loaded is version {major}.{minor}; the fused CUDA cascade needs NVRTC {MinNvrtcMajor} or later (it compiles straight to a CUBIN). Install NVRTC 12 or 13 (pip: nvidia-cuda-nvrtc) and set {NativeLibraries.NvrtcPathVariable} to its library file.");

    /// <summary>A CUDA version as the driver and NVRTC report it (12080) in the form users know (12.8).</summary>
    public static string CudaVersion(int version) => string.Create(CultureInfo.InvariantCulture, $"{version / 1000}.{version % 1000 / 10}");

    private static string? DriverFix(int result) => result switch
    {
        StubLibrary => $"The library loaded as the CUDA driver is the CUDA toolkit's stub libcuda.so, not the driver: take the toolkit's stubs folder off the library search path, or set {NativeLibraries.DriverPathVariable} to the driver's libcuda.so.1.",
        InsufficientDriver or SystemDriverMismatch => $"The CUDA driver library does not match the installed NVIDIA kernel driver, or is older than it must be: update the NVIDIA driver (nvidia-smi shows its version), or set {NativeLibraries.DriverPathVariable} to the libcuda.so.1 it installed.",
        NoDevice => "No CUDA GPU is visible to this process: check CUDA_VISIBLE_DEVICES and that nvidia-smi lists a GPU. The layers keep the reference path.",
        InvalidDevice => "No GPU has that index among those visible to this process (CUDA_VISIBLE_DEVICES renumbers them from 0).",
        NotInitialized => "The driver was not initialised (cuInit failed earlier or was not called): this is a bug, please report it.",
        InvalidImage or NoBinaryForGpu or UnsupportedPtxVersion => $"The driver cannot load the CUBIN NVRTC made: NVRTC is newer than the driver (a CUDA 13 NVRTC needs a driver for CUDA 13, r580 or later). Update the NVIDIA driver, or point {NativeLibraries.NvrtcPathVariable} at an NVRTC no newer than the CUDA version nvidia-smi shows.",
        IllegalAddress or LaunchFailed => "An earlier kernel on this GPU failed, and the CUDA context is unusable for the rest of the process: restart it. If the fused cascade's kernel was that kernel, run with CudaCascade.Disable() and report the layer's shape, dtype and number of sets.",
        _ => null,
    };
}
