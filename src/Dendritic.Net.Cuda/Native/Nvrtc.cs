using System;
using System.Runtime.InteropServices;

namespace Dendritic.Cuda;

/// <summary>The few NVRTC entry points the kernel compiler needs (nvrtc.h; stable since CUDA 11).</summary>
internal static partial class Nvrtc
{
    public const int Success = 0;

    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcVersion")]
    public static partial int Version(out int major, out int minor);

    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcCreateProgram", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int CreateProgram(out IntPtr program, string source, string name, int headerCount, IntPtr headers, IntPtr includeNames);

    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcCompileProgram")]
    public static partial int CompileProgram(IntPtr program, int optionCount, IntPtr[] options);

    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetProgramLogSize")]
    public static partial int GetProgramLogSize(IntPtr program, out nuint size);

    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetProgramLog")]
    public static partial int GetProgramLog(IntPtr program, byte[] log);

    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetCUBINSize")]
    public static partial int GetCubinSize(IntPtr program, out nuint size);

    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetCUBIN")]
    public static partial int GetCubin(IntPtr program, byte[] cubin);

    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcDestroyProgram")]
    public static partial int DestroyProgram(ref IntPtr program);

    [LibraryImport(NativeLibraries.Nvrtc, EntryPoint = "nvrtcGetErrorString")]
    public static partial IntPtr GetErrorString(int result);

    /// <summary>Throws with NVRTC's own description when <paramref name="result"/> is not success.</summary>
    public static void Check(int result, string call)
    {
        if (result != Success)
        {
            var text = Marshal.PtrToStringUTF8(GetErrorString(result)) ?? "unknown error";
            throw new CudaKernelException($"NVRTC {call} failed: {text} ({result}).");
        }
    }
}
