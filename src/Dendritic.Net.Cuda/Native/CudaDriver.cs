using System;
using System.Runtime.InteropServices;

namespace Dendritic.Cuda;

/// <summary>The few CUDA driver API entry points the launcher needs (cuda.h; unversioned since CUDA 4 unless noted).</summary>
internal static unsafe partial class CudaDriver
{
    public const int Success = 0;
    public const int AttributeMultiprocessorCount = 16;
    public const int AttributeComputeCapabilityMajor = 75;
    public const int AttributeComputeCapabilityMinor = 76;

    [LibraryImport(NativeLibraries.Driver, EntryPoint = "cuInit")]
    public static partial int Init(uint flags);

    [LibraryImport(NativeLibraries.Driver, EntryPoint = "cuDriverGetVersion")]
    public static partial int DriverGetVersion(out int version);

    [LibraryImport(NativeLibraries.Driver, EntryPoint = "cuDeviceGet")]
    public static partial int DeviceGet(out int device, int ordinal);

    [LibraryImport(NativeLibraries.Driver, EntryPoint = "cuDeviceGetAttribute")]
    public static partial int DeviceGetAttribute(out int value, int attribute, int device);

    [LibraryImport(NativeLibraries.Driver, EntryPoint = "cuDevicePrimaryCtxRetain")]
    public static partial int DevicePrimaryCtxRetain(out IntPtr context, int device);

    // The _v2 entry point, as cuda.h has mapped the name since CUDA 11 (NVRTC 12 needs a driver of CUDA 12 anyway).
    [LibraryImport(NativeLibraries.Driver, EntryPoint = "cuDevicePrimaryCtxRelease_v2")]
    public static partial int DevicePrimaryCtxRelease(int device);

    [LibraryImport(NativeLibraries.Driver, EntryPoint = "cuCtxGetCurrent")]
    public static partial int CtxGetCurrent(out IntPtr context);

    [LibraryImport(NativeLibraries.Driver, EntryPoint = "cuCtxSetCurrent")]
    public static partial int CtxSetCurrent(IntPtr context);

    [LibraryImport(NativeLibraries.Driver, EntryPoint = "cuModuleLoadData")]
    public static partial int ModuleLoadData(out IntPtr module, byte[] image);

    [LibraryImport(NativeLibraries.Driver, EntryPoint = "cuModuleGetFunction", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ModuleGetFunction(out IntPtr function, IntPtr module, string name);

    [LibraryImport(NativeLibraries.Driver, EntryPoint = "cuLaunchKernel")]
    public static partial int LaunchKernel(IntPtr function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ, uint sharedBytes, IntPtr stream, void** parameters, void** extra);

    /// <summary>CU_STREAM_CAPTURE_STATUS_ACTIVE: the stream is capturing, and nothing has invalidated the capture.</summary>
    public const int CaptureStatusActive = 1;

    /// <summary>CU_STREAM_CAPTURE_MODE_THREAD_LOCAL: only the capturing thread is kept from calls a capture cannot hold.</summary>
    public const int CaptureModeThreadLocal = 1;

    // The _v2 entry point, as cuda.h has mapped the name since CUDA 10.1 (it takes the capture mode).
    [LibraryImport(NativeLibraries.Driver, EntryPoint = "cuStreamBeginCapture_v2")]
    public static partial int StreamBeginCapture(IntPtr stream, int mode);

    [LibraryImport(NativeLibraries.Driver, EntryPoint = "cuStreamSynchronize")]
    public static partial int StreamSynchronize(IntPtr stream);

    [LibraryImport(NativeLibraries.Driver, EntryPoint = "cuStreamIsCapturing")]
    public static partial int StreamIsCapturing(IntPtr stream, out int status);

    [LibraryImport(NativeLibraries.Driver, EntryPoint = "cuStreamEndCapture")]
    public static partial int StreamEndCapture(IntPtr stream, out IntPtr graph);

    [LibraryImport(NativeLibraries.Driver, EntryPoint = "cuGraphDestroy")]
    public static partial int GraphDestroy(IntPtr graph);

    [LibraryImport(NativeLibraries.Driver, EntryPoint = "cuGetErrorName")]
    public static partial int GetErrorName(int result, out IntPtr name);

    /// <summary>Throws with the driver's error name, and the fix where there is one, when <paramref name="result"/> is not success.</summary>
    public static void Check(int result, string call)
    {
        if (result != Success)
        {
            var name = GetErrorName(result, out var text) == Success ? Marshal.PtrToStringUTF8(text) : null;
            throw new CudaKernelException(CudaErrorMessages.DriverFailure(call, result, name));
        }
    }
}
