using System;
using System.Runtime.InteropServices;

namespace Dendritic.Cuda;

/// <summary>
/// The few entry points of libtorch's own CUDA libraries (libc10_cuda, libtorch_cuda) that TorchSharp 0.107 does not
/// wrap: the current CUDA stream of a device, a stream from libtorch's pool, and <c>at::cuda::CUDAGraph</c>. They are
/// C++ functions, found by their Itanium-ABI (Linux) names in the libraries TorchSharp has already loaded; on Windows,
/// or with a libtorch whose names differ, <see cref="Missing"/> says which one is absent and nothing here is called.
/// </summary>
/// <remarks>
/// The by-value types cross as the x86-64 System V ABI passes them: <c>c10::cuda::CUDAStream</c> (a device of two
/// bytes and a 64-bit stream id, trivially copyable: two integer registers) as <see cref="StreamValue"/>, and
/// <c>MempoolId_t</c> (a pair of two 64-bit integers) as two arguments. Checked on libtorch 2.11 (docs/cuda.md).
/// </remarks>
internal static unsafe class LibTorchCuda
{
    private const string GetCurrentStreamName = "_ZN3c104cuda20getCurrentCUDAStreamEa";
    private const string SetCurrentStreamName = "_ZN3c104cuda20setCurrentCUDAStreamENS0_10CUDAStreamE";
    private const string StreamFromPoolName = "_ZN3c104cuda17getStreamFromPoolEba";
    private const string RawStreamName = "_ZNK3c104cuda10CUDAStream6streamEv";
    private const string CurrentDeviceName = "_ZN3c104cuda14current_deviceEv";
    private const string GraphConstructorName = "_ZN2at4cuda9CUDAGraphC1Eb";
    private const string GraphDestructorName = "_ZN2at4cuda9CUDAGraphD1Ev";
    private const string CaptureBeginName = "_ZN2at4cuda9CUDAGraph13capture_beginESt4pairIyyE21cudaStreamCaptureMode";
    private const string CaptureEndName = "_ZN2at4cuda9CUDAGraph11capture_endEv";
    private const string ReplayName = "_ZN2at4cuda9CUDAGraph6replayEv";

    /// <summary>cudaStreamCaptureModeGlobal, PyTorch's default for <c>torch.cuda.graph</c>.</summary>
    private const int CaptureModeGlobal = 0;

    /// <summary>Bytes reserved for one <c>at::cuda::CUDAGraph</c>, whose size is not exported: far more than it needs.</summary>
    internal const int GraphObjectBytes = 8192;

    private static readonly Lazy<Exports?> Loaded = new(Load);

    private static readonly Lazy<string?> MissingReason = new(() => Loaded.Value is null ? Why() : null);

    /// <summary>Why the entry points cannot be used (a library or a name not found), or null when they all are there.</summary>
    public static string? Missing => MissingReason.Value;

    /// <summary>
    /// The raw <c>cudaStream_t</c> of libtorch's current stream on <paramref name="deviceIndex"/> (the stream its next
    /// operation on that device runs on, also inside autograd's device thread), or zero, the legacy default stream,
    /// when the entry points are missing (which is libtorch's current stream unless something set another).
    /// </summary>
    public static IntPtr CurrentStream(int deviceIndex)
    {
        if (Loaded.Value is not { } e)
        {
            return IntPtr.Zero;
        }

        var stream = e.GetCurrentStream((sbyte)deviceIndex);
        return e.RawStream(&stream);
    }

    /// <summary>libtorch's current stream on <paramref name="deviceIndex"/>, as a value to restore later.</summary>
    public static StreamValue GetCurrentStream(int deviceIndex) => Required.GetCurrentStream((sbyte)deviceIndex);

    /// <summary>A stream from libtorch's pool on <paramref name="deviceIndex"/> (not the default stream).</summary>
    public static StreamValue StreamFromPool(int deviceIndex) => Required.StreamFromPool(0, (sbyte)deviceIndex);

    /// <summary>Makes <paramref name="stream"/> libtorch's current stream on its device, for this thread.</summary>
    public static void SetCurrentStream(StreamValue stream) => Required.SetCurrentStream(stream);

    /// <summary>The raw <c>cudaStream_t</c> of <paramref name="stream"/>.</summary>
    public static IntPtr Raw(StreamValue stream) => Required.RawStream(&stream);

    /// <summary>libtorch's current CUDA device of this thread.</summary>
    public static int CurrentDevice() => Required.CurrentDevice();

    /// <summary>Constructs an <c>at::cuda::CUDAGraph</c> in <paramref name="graph"/> (<see cref="GraphObjectBytes"/> bytes).</summary>
    public static void ConstructGraph(IntPtr graph) => Required.GraphConstructor(graph, 0);

    /// <summary>Destroys the graph constructed in <paramref name="graph"/> (its executable graph and memory pool).</summary>
    public static void DestroyGraph(IntPtr graph) => Required.GraphDestructor(graph);

    /// <summary>Starts capturing libtorch's current stream into <paramref name="graph"/>, with a private memory pool.</summary>
    public static void CaptureBegin(IntPtr graph) => Required.CaptureBegin(graph, 0, 0, CaptureModeGlobal);

    /// <summary>Ends the capture and instantiates the executable graph.</summary>
    public static void CaptureEnd(IntPtr graph) => Required.CaptureEnd(graph);

    /// <summary>Launches the captured work on libtorch's current stream.</summary>
    public static void Replay(IntPtr graph) => Required.Replay(graph);

    private static Exports Required => Loaded.Value ?? throw new CudaGraphException(Missing!);

    private static Exports? Load()
    {
        if (!OperatingSystem.IsLinux()
            || !NativeLibrary.TryLoad("libc10_cuda.so", out var c10)
            || !NativeLibrary.TryLoad("libtorch_cuda.so", out var torch))
        {
            return null;
        }

        IntPtr Find(IntPtr library, string name) => NativeLibrary.TryGetExport(library, name, out var address) ? address : IntPtr.Zero;
        var c = new[]
        {
            Find(c10, GetCurrentStreamName), Find(c10, SetCurrentStreamName), Find(c10, StreamFromPoolName), Find(c10, RawStreamName),
            Find(c10, CurrentDeviceName), Find(torch, GraphConstructorName), Find(torch, GraphDestructorName),
            Find(torch, CaptureBeginName), Find(torch, CaptureEndName), Find(torch, ReplayName),
        };
        if (Array.IndexOf(c, IntPtr.Zero) >= 0)
        {
            return null;
        }

        return new Exports
        {
            GetCurrentStream = (delegate* unmanaged<sbyte, StreamValue>)c[0],
            SetCurrentStream = (delegate* unmanaged<StreamValue, void>)c[1],
            StreamFromPool = (delegate* unmanaged<byte, sbyte, StreamValue>)c[2],
            RawStream = (delegate* unmanaged<StreamValue*, IntPtr>)c[3],
            CurrentDevice = (delegate* unmanaged<sbyte>)c[4],
            GraphConstructor = (delegate* unmanaged<IntPtr, byte, void>)c[5],
            GraphDestructor = (delegate* unmanaged<IntPtr, void>)c[6],
            CaptureBegin = (delegate* unmanaged<IntPtr, ulong, ulong, int, void>)c[7],
            CaptureEnd = (delegate* unmanaged<IntPtr, void>)c[8],
            Replay = (delegate* unmanaged<IntPtr, void>)c[9],
        };
    }

    private static string Why()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "CUDA graphs and libtorch's streams are reached through libtorch's Linux (Itanium ABI) entry points; this is not Linux.";
        }

        foreach (var (library, names) in new[]
        {
            ("libc10_cuda.so", new[] { GetCurrentStreamName, SetCurrentStreamName, StreamFromPoolName, RawStreamName, CurrentDeviceName }),
            ("libtorch_cuda.so", new[] { GraphConstructorName, GraphDestructorName, CaptureBeginName, CaptureEndName, ReplayName }),
        })
        {
            if (!NativeLibrary.TryLoad(library, out var handle))
            {
                return $"{library} is not loaded or found: CUDA graphs need libtorch's CUDA build (TorchSharp-cuda, or PyTorch's libtorch on LD_LIBRARY_PATH).";
            }

            foreach (var name in names)
            {
                if (!NativeLibrary.TryGetExport(handle, name, out _))
                {
                    return $"{library} has no '{name}': this libtorch's C++ entry points differ from the ones this package was checked on (libtorch 2.11).";
                }
            }
        }

        return "libtorch's CUDA entry points could not be bound.";
    }

    /// <summary><c>c10::cuda::CUDAStream</c> by value: the device (type and index, two bytes, then padding) and the stream id.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct StreamValue
    {
        public long Device;
        public long Id;
    }

    private sealed class Exports
    {
        public delegate* unmanaged<sbyte, StreamValue> GetCurrentStream;
        public delegate* unmanaged<StreamValue, void> SetCurrentStream;
        public delegate* unmanaged<byte, sbyte, StreamValue> StreamFromPool;
        public delegate* unmanaged<StreamValue*, IntPtr> RawStream;
        public delegate* unmanaged<sbyte> CurrentDevice;
        public delegate* unmanaged<IntPtr, byte, void> GraphConstructor;
        public delegate* unmanaged<IntPtr, void> GraphDestructor;
        public delegate* unmanaged<IntPtr, ulong, ulong, int, void> CaptureBegin;
        public delegate* unmanaged<IntPtr, void> CaptureEnd;
        public delegate* unmanaged<IntPtr, void> Replay;
    }
}
