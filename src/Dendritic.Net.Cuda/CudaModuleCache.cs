using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;

namespace Dendritic.Cuda;

/// <summary>
/// Compiles cascade.cu with NVRTC for each problem class (sets, dtype, activation) and device it meets, straight to a
/// CUBIN for the device's compute capability (sm_XY: no PTX JIT in the driver), loads it and keeps it for the life of
/// the process. Each class compiles once, under a lock of its own: a compile holds up the callers of that class only,
/// not the lookups and launches of the others. A compile or load that fails is not kept; the next call tries again.
/// </summary>
internal sealed class CudaModuleCache
{
    private const string ResourceName = "Dendritic.Cuda.cascade.cu";
    private static readonly Lazy<string> Source = new(ReadSource);

    private readonly OncePerKey<(int Device, int Sets, torch.ScalarType DType, DendriteActivation Activation, bool BiasGradients), CudaModule> _modules = new();
    private readonly Func<CascadeProblem, CudaDevice, CudaModule> _load;

    /// <summary>A cache that compiles with NVRTC and loads with the CUDA driver.</summary>
    public CudaModuleCache()
        : this(CompileAndLoad)
    {
    }

    /// <summary>A cache that makes each class's module with <paramref name="load"/> (the tests' stand-in for NVRTC and the driver).</summary>
    internal CudaModuleCache(Func<CascadeProblem, CudaDevice, CudaModule> load) => _load = load;

    /// <summary>The kernel source as embedded in this assembly.</summary>
    public static string KernelSource => Source.Value;

    /// <summary>
    /// The loaded module for <paramref name="problem"/>'s class on <paramref name="device"/>, compiling and loading it on
    /// first use into the context current on this thread, which must be the device's (<see cref="CudaDevice.InContext"/>).
    /// </summary>
    /// <exception cref="CudaKernelException">NVRTC rejects the source or the options, or the driver the image.</exception>
    public CudaModule Get(CascadeProblem problem, CudaDevice device) =>
        _modules.Get((device.Index, problem.Sets, problem.DType, problem.Activation, problem.BiasGradients), (Problem: problem, Device: device, Load: _load), static (_, s) => s.Load(s.Problem, s.Device));

    private static CudaModule CompileAndLoad(CascadeProblem problem, CudaDevice device)
    {
        var image = Compile(problem.Defines().Append(device.Architecture).ToArray());
        var loaded = CudaDriver.ModuleLoadData(out var handle, image);
        if (loaded != CudaDriver.Success)
        {
            // The usual cause is an NVRTC newer than the driver: name both versions.
            CudaDriver.Check(loaded, $"cuModuleLoadData (a CUBIN for sm_{device.Major}{device.Minor} from NVRTC {NvrtcVersion()}; the driver supports CUDA {DriverVersion()})");
        }

        return new CudaModule(
            Function(handle, "cascade_forward_rows"),
            Function(handle, "cascade_forward_rows_pairs"),
            Function(handle, "cascade_forward_positions"),
            Function(handle, "cascade_backward_rows"),
            Function(handle, "cascade_backward_rows_pairs"),
            Function(handle, "cascade_backward_positions"),
            Function(handle, "cascade_reduce"));
    }

    /// <summary>Compiles the kernel source with <paramref name="options"/> and returns the CUBIN.</summary>
    /// <exception cref="CudaKernelException">The compile fails; the message carries NVRTC's log.</exception>
    public static byte[] Compile(string[] options)
    {
        Nvrtc.Check(Nvrtc.CreateProgram(out var program, KernelSource, "cascade.cu", 0, IntPtr.Zero, IntPtr.Zero), "nvrtcCreateProgram");
        var utf8 = options.Select(o => Marshal.StringToCoTaskMemUTF8(o)).ToArray();
        try
        {
            var result = Nvrtc.CompileProgram(program, utf8.Length, utf8);
            if (result != Nvrtc.Success)
            {
                throw new CudaKernelException(CudaErrorMessages.CompileFailure(options, result, Marshal.PtrToStringUTF8(Nvrtc.GetErrorString(result)), Log(program)));
            }

            Nvrtc.Check(Nvrtc.GetCubinSize(program, out var size), "nvrtcGetCUBINSize");
            var image = new byte[(int)size];
            Nvrtc.Check(Nvrtc.GetCubin(program, image), "nvrtcGetCUBIN");
            return image;
        }
        finally
        {
            foreach (var pointer in utf8)
            {
                Marshal.FreeCoTaskMem(pointer);
            }

            Nvrtc.DestroyProgram(ref program);
        }
    }

    private static string Log(IntPtr program)
    {
        if (Nvrtc.GetProgramLogSize(program, out var size) != Nvrtc.Success || size <= 1)
        {
            return "(no log)";
        }

        var log = new byte[(int)size];
        return Nvrtc.GetProgramLog(program, log) == Nvrtc.Success ? Encoding.UTF8.GetString(log, 0, log.Length - 1) : "(no log)";
    }

    private static string NvrtcVersion() =>
        Nvrtc.Version(out var major, out var minor) == Nvrtc.Success ? FormattableString.Invariant($"{major}.{minor}") : "(unknown version)";

    private static string DriverVersion() =>
        CudaDriver.DriverGetVersion(out var version) == CudaDriver.Success ? CudaErrorMessages.CudaVersion(version) : "(unknown version)";

    private static IntPtr Function(IntPtr module, string name)
    {
        CudaDriver.Check(CudaDriver.ModuleGetFunction(out var function, module, name), $"cuModuleGetFunction({name})");
        return function;
    }

    private static string ReadSource()
    {
        using var stream = typeof(CudaModuleCache).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new CudaKernelException($"The kernel source {ResourceName} is missing from {typeof(CudaModuleCache).Assembly.GetName().Name}: the package is damaged; reinstall it.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
