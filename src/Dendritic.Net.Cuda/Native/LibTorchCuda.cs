using System;
using System.Runtime.InteropServices;

namespace Dendritic.Cuda;

/// <summary>
/// The few entry points of libtorch's own CUDA libraries (libc10_cuda, libtorch_cuda) that TorchSharp 0.107 does not
/// wrap: the current CUDA stream of a device, a stream from libtorch's pool, and <c>at::cuda::CUDAGraph</c>. They are
/// C++ functions, found by their Itanium-ABI (Linux) names in the libraries TorchSharp has already loaded, in two
/// groups: the stream lookup the kernel launcher needs, and the graph. On Windows, or with a libtorch whose names
/// differ, <see cref="MissingForGraphs"/> says which one is absent and nothing of that group is called.
/// </summary>
/// <remarks>
/// The by-value types cross as the x86-64 System V ABI passes them: <c>c10::cuda::CUDAStream</c> (a device of two
/// bytes and a 64-bit stream id, trivially copyable: two integer registers) as <see cref="StreamValue"/>, and
/// <c>MempoolId_t</c> (a pair of two 64-bit integers) as two arguments. Checked on libtorch 2.11 (docs/cuda.md). These
/// are C++ functions: one that throws (a failed <c>TORCH_CHECK</c>) ends the process, so callers check what they can
/// before calling.
/// </remarks>
internal static unsafe class LibTorchCuda
{
    private const string C10Cuda = "libc10_cuda.so";
    private const string TorchCuda = "libtorch_cuda.so";
    private const string GetCurrentStreamName = "_ZN3c104cuda20getCurrentCUDAStreamEa";
    private const string RawStreamName = "_ZNK3c104cuda10CUDAStream6streamEv";
    private const string SetCurrentStreamName = "_ZN3c104cuda20setCurrentCUDAStreamENS0_10CUDAStreamE";
    private const string StreamFromPoolName = "_ZN3c104cuda17getStreamFromPoolEba";
    private const string CurrentDeviceName = "_ZN3c104cuda14current_deviceEv";
    private const string GraphConstructorName = "_ZN2at4cuda9CUDAGraphC1Eb";
    private const string GraphDestructorName = "_ZN2at4cuda9CUDAGraphD1Ev";
    private const string CaptureBeginName = "_ZN2at4cuda9CUDAGraph13capture_beginESt4pairIyyE21cudaStreamCaptureMode";
    private const string CaptureEndName = "_ZN2at4cuda9CUDAGraph11capture_endEv";
    private const string ReplayName = "_ZN2at4cuda9CUDAGraph6replayEv";

    /// <summary>Bytes reserved for one <c>at::cuda::CUDAGraph</c>, whose size is not exported: about 300 in 2.11.</summary>
    internal const int GraphObjectBytes = 8192;

    private static readonly (string Library, string Name)[] StreamNames =
    {
        (C10Cuda, GetCurrentStreamName), (C10Cuda, RawStreamName),
    };

    private static readonly (string Library, string Name)[] GraphNames =
    {
        (C10Cuda, SetCurrentStreamName), (C10Cuda, StreamFromPoolName), (C10Cuda, CurrentDeviceName),
        (TorchCuda, GraphConstructorName), (TorchCuda, GraphDestructorName), (TorchCuda, CaptureBeginName),
        (TorchCuda, CaptureEndName), (TorchCuda, ReplayName),
    };

    private static readonly Lazy<Binding> Streams = new(() => Bind(StreamNames));

    // The graph group is bound only where the stream group is: a missing stream entry point is named first.
    private static readonly Lazy<Binding> Graphs = new(() => Streams.Value.Missing is null ? Bind(GraphNames) : Streams.Value);

    /// <summary>Why CUDA graphs cannot be used (a library or a name not found), or null when every entry point is there.</summary>
    public static string? MissingForGraphs => Graphs.Value.Missing;

    /// <summary>
    /// The raw <c>cudaStream_t</c> of libtorch's current stream on <paramref name="deviceIndex"/> (the stream its next
    /// operation on that device runs on, also inside autograd's device thread), or zero, the legacy default stream,
    /// when the entry points are missing (which is libtorch's current stream unless something set another).
    /// </summary>
    public static IntPtr CurrentStream(int deviceIndex) => Streams.Value.Missing is null ? Raw(GetCurrentStream(deviceIndex)) : IntPtr.Zero;

    /// <summary>libtorch's current stream on <paramref name="deviceIndex"/>, as a value to restore later.</summary>
    public static StreamValue GetCurrentStream(int deviceIndex) => ((delegate* unmanaged<sbyte, StreamValue>)Stream(0))((sbyte)deviceIndex);

    /// <summary>The raw <c>cudaStream_t</c> of <paramref name="stream"/>.</summary>
    public static IntPtr Raw(StreamValue stream) => ((delegate* unmanaged<StreamValue*, IntPtr>)Stream(1))(&stream);

    /// <summary>Makes <paramref name="stream"/> libtorch's current stream on its device, for this thread.</summary>
    public static void SetCurrentStream(StreamValue stream) => ((delegate* unmanaged<StreamValue, void>)Graph(0))(stream);

    /// <summary>A stream from libtorch's pool on <paramref name="deviceIndex"/> (not the default stream).</summary>
    public static StreamValue StreamFromPool(int deviceIndex) => ((delegate* unmanaged<byte, sbyte, StreamValue>)Graph(1))(0, (sbyte)deviceIndex);

    /// <summary>libtorch's current CUDA device of this thread.</summary>
    public static int CurrentDevice() => ((delegate* unmanaged<sbyte>)Graph(2))();

    /// <summary>Constructs an <c>at::cuda::CUDAGraph</c> in <paramref name="graph"/> (<see cref="GraphObjectBytes"/> bytes, zeroed).</summary>
    public static void ConstructGraph(IntPtr graph) => ((delegate* unmanaged<IntPtr, byte, void>)Graph(3))(graph, 0);

    /// <summary>Destroys the graph constructed in <paramref name="graph"/> (its executable graph and memory pool; warns, never throws).</summary>
    public static void DestroyGraph(IntPtr graph) => ((delegate* unmanaged<IntPtr, void>)Graph(4))(graph);

    /// <summary>
    /// Starts capturing libtorch's current stream into <paramref name="graph"/>, with a private memory pool, in
    /// thread-local mode (<see cref="CudaDriver.CaptureModeThreadLocal"/>): only the capturing thread is kept from
    /// calls a capture cannot hold, so other threads' CUDA work neither fails nor breaks the capture.
    /// </summary>
    public static void CaptureBegin(IntPtr graph) => ((delegate* unmanaged<IntPtr, ulong, ulong, int, void>)Graph(5))(graph, 0, 0, CudaDriver.CaptureModeThreadLocal);

    /// <summary>Ends the capture and instantiates the executable graph (throws, ending the process, on an invalid capture: check first).</summary>
    public static void CaptureEnd(IntPtr graph) => ((delegate* unmanaged<IntPtr, void>)Graph(6))(graph);

    /// <summary>Launches the captured work on libtorch's current stream.</summary>
    public static void Replay(IntPtr graph) => ((delegate* unmanaged<IntPtr, void>)Graph(7))(graph);

    private static IntPtr Stream(int index) => Entry(Streams.Value, index);

    private static IntPtr Graph(int index) => Entry(Graphs.Value, index);

    private static IntPtr Entry(Binding binding, int index) => binding.Missing is null ? binding.Addresses[index] : throw new CudaGraphException(binding.Missing);

    /// <summary>The addresses of <paramref name="names"/>, in order, or why one of them cannot be found.</summary>
    private static Binding Bind((string Library, string Name)[] names)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new(Array.Empty<IntPtr>(), "CUDA graphs are reached through libtorch's Linux (Itanium ABI) entry points; this is not Linux.");
        }

        var addresses = new IntPtr[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            var (library, name) = names[i];
            if (!NativeLibrary.TryLoad(library, out var handle))
            {
                return new(addresses, $"{library} is not loaded or found: CUDA graphs need libtorch's CUDA build (TorchSharp-cuda, or PyTorch's libtorch on LD_LIBRARY_PATH).");
            }

            if (!NativeLibrary.TryGetExport(handle, name, out addresses[i]))
            {
                return new(addresses, $"{library} has no '{name}': this libtorch's C++ entry points differ from the ones this package was checked on (libtorch 2.11).");
            }
        }

        return new(addresses, null);
    }

    /// <summary>One group of entry points: their addresses when <see cref="Missing"/> is null.</summary>
    private sealed record Binding(IntPtr[] Addresses, string? Missing);

    /// <summary><c>c10::cuda::CUDAStream</c> by value: the device (type and index, two bytes, then padding) and the stream id.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct StreamValue
    {
        public long Device;
        public long Id;
    }
}
