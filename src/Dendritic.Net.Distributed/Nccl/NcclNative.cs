using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Dendritic.Distributed;

/// <summary>
/// The NCCL 2 C API (nccl.h), the three CUDA driver calls the communicator needs (libcuda.so.1, present wherever a
/// driver is), and TorchSharp's own export of a tensor's data pointer. NCCL is found through
/// <see cref="NcclLibrary"/>'s rules.
/// </summary>
internal static unsafe partial class NcclNative
{
    public const string Nccl = "nccl";
    public const string Cuda = "cuda";
    public const string LibTorchSharp = "LibTorchSharp";
    public const string LibC = "libc";

    // ncclResult_t
    public const int Success = 0;
    public const int InProgress = 7;

    // cudaError / CUresult
    public const int CudaSuccess = 0;
    public const int CudaErrorNotReady = 600;

    static NcclNative()
    {
        NativeLibrary.SetDllImportResolver(typeof(NcclNative).Assembly, Resolve);
    }

    /// <summary>Makes sure the resolver is installed before the first call (a static constructor runs on first use).</summary>
    public static void EnsureResolver()
    {
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct UniqueId
    {
        public fixed byte Internal[128];
    }

    [LibraryImport(Nccl)]
    public static partial int ncclGetVersion(out int version);

    [LibraryImport(Nccl)]
    public static partial int ncclGetUniqueId(out UniqueId uniqueId);

    [LibraryImport(Nccl)]
    public static partial int ncclCommInitRank(out IntPtr comm, int nranks, UniqueId commId, int rank);

    [LibraryImport(Nccl)]
    public static partial int ncclAllReduce(IntPtr sendbuff, IntPtr recvbuff, nuint count, int datatype, int op, IntPtr comm, IntPtr stream);

    [LibraryImport(Nccl)]
    public static partial int ncclBroadcast(IntPtr sendbuff, IntPtr recvbuff, nuint count, int datatype, int root, IntPtr comm, IntPtr stream);

    [LibraryImport(Nccl)]
    public static partial int ncclCommGetAsyncError(IntPtr comm, out int asyncError);

    [LibraryImport(Nccl)]
    public static partial int ncclCommAbort(IntPtr comm);

    [LibraryImport(Nccl)]
    public static partial int ncclCommDestroy(IntPtr comm);

    [LibraryImport(Nccl)]
    public static partial IntPtr ncclGetErrorString(int result);

    /// <summary>libc's setenv: NCCL reads its settings with getenv, which does not see .NET's Environment.SetEnvironmentVariable.</summary>
    [LibraryImport(LibC, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int setenv(string name, string value, int overwrite);

    [LibraryImport(Cuda)]
    public static partial int cuInit(uint flags);

    [LibraryImport(Cuda)]
    public static partial int cuDeviceGet(out int device, int ordinal);

    [LibraryImport(Cuda, EntryPoint = "cuDevicePrimaryCtxRetain")]
    public static partial int cuDevicePrimaryCtxRetain(out IntPtr context, int device);

    [LibraryImport(Cuda, EntryPoint = "cuCtxSetCurrent")]
    public static partial int cuCtxSetCurrent(IntPtr context);

    /// <summary>Whether all work queued on the stream (null: the legacy default stream) has finished: 0 done, 600 not yet.</summary>
    [LibraryImport(Cuda)]
    public static partial int cuStreamQuery(IntPtr stream);

    /// <summary>TorchSharp's export: <c>tensor.data_ptr()</c> (storage offset included) of a tensor handle.</summary>
    [LibraryImport(LibTorchSharp)]
    public static partial IntPtr THSTensor_data(IntPtr tensor);

    public static string ErrorString(int result)
    {
        try
        {
            return Marshal.PtrToStringAnsi(ncclGetErrorString(result)) ?? $"ncclResult_t {result}";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return $"ncclResult_t {result}";
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) => name switch
    {
        Nccl => NcclLibrary.TryLoad(),
        Cuda => NativeLibrary.TryLoad("libcuda.so.1", out var cuda) ? cuda : IntPtr.Zero,
        // "libc.so" is a linker script on glibc systems: name the shared object itself.
        LibC => NativeLibrary.TryLoad("libc.so.6", out var libc) ? libc : IntPtr.Zero,
        // TorchSharp has already loaded its bridge; ask through its assembly so that the same file is used.
        LibTorchSharp => NativeLibrary.TryLoad("LibTorchSharp", typeof(torch).Assembly, searchPath, out var bridge)
            || NativeLibrary.TryLoad("libLibTorchSharp.so", typeof(torch).Assembly, searchPath, out bridge)
            || NativeLibrary.TryLoad(Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so"), out bridge) ? bridge : IntPtr.Zero,
        _ => IntPtr.Zero,
    };
}
