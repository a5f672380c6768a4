using System;
using System.Linq;

namespace Dendritic.Cuda;

/// <summary>
/// Switches every <see cref="DendriteLayer"/> of the process to the fused CUDA cascade: one kernel forward and one
/// backward (plus a small reduction) instead of the reference path's separate sigmoid, multiply and add kernels per
/// set. Layers on other devices, in other dtypes than float32 and bfloat16, or with more than 8 sets keep the
/// reference path. Needs the NVIDIA driver and NVRTC 12 or 13 (no CUDA toolkit); see docs/cuda.md.
/// </summary>
public static class CudaCascade
{
    private static readonly Lazy<FusedCascadeKernel> Kernel = new(() => new FusedCascadeKernel(new CudaLauncher(new CudaModuleCache())));

    /// <summary>Whether the fused CUDA cascade is the registered <see cref="CascadeKernels.Current"/>.</summary>
    public static bool IsEnabled => CascadeKernels.Current is FusedCascadeKernel;

    /// <summary>
    /// Loads NVRTC and the CUDA driver, initialises the driver, compiles the kernel once for GPU 0 (so that a problem
    /// shows here and not in the middle of training) and registers the fused cascade as
    /// <see cref="CascadeKernels.Current"/>. The kernels used then compile on first use per set count, dtype and
    /// activation and stay loaded for the process's life.
    /// </summary>
    /// <exception cref="CudaKernelException">
    /// NVRTC or the driver cannot be loaded (set <c>DENDRITIC_NVRTC_PATH</c> or <c>DENDRITIC_CUDA_DRIVER_PATH</c> to
    /// the library file), the driver finds no usable GPU, or NVRTC cannot compile the kernel for it.
    /// </exception>
    public static void Enable()
    {
        if (IsEnabled)
        {
            return;
        }

        NativeLibraries.EnsureLoaded();
        var device = CudaDevice.Open(0);
        var probe = new CascadeProblem(1, TorchSharp.torch.ScalarType.Float32, DendriteActivation.Sigmoid, 1, 1, 1, 0);
        CudaModuleCache.Compile(probe.Defines().Append(device.Architecture).ToArray());
        CascadeKernels.Current = Kernel.Value;
    }

    /// <summary>Returns every layer to the reference path (when the fused CUDA cascade is the registered kernel).</summary>
    public static void Disable()
    {
        if (IsEnabled)
        {
            CascadeKernels.Current = null;
        }
    }

    /// <summary>The NVRTC version loaded, as "major.minor" (loads it if needed).</summary>
    /// <exception cref="CudaKernelException">NVRTC cannot be loaded.</exception>
    public static string NvrtcVersion()
    {
        NativeLibraries.EnsureLoaded();
        Nvrtc.Check(Nvrtc.Version(out var major, out var minor), "nvrtcVersion");
        return FormattableString.Invariant($"{major}.{minor}");
    }
}
