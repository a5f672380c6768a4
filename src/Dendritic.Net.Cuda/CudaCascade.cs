using System;

namespace Dendritic.Cuda;

/// <summary>
/// Switches every <see cref="DendriteLayer"/> of the process to the fused CUDA cascade: one kernel forward and one
/// backward (plus a small reduction) instead of the reference path's separate sigmoid, multiply and add kernels per
/// set. Layers on other devices, in other dtypes than float32 and bfloat16, or with more than 8 sets keep the
/// reference path, and so does a training step of a layer with one set and an output under 32 MiB, where the
/// reference path was measured faster (unless the step is captured as a CUDA graph, <see cref="CudaGraphStep"/>). Needs the NVIDIA driver and NVRTC 12 or 13 (no CUDA toolkit); see docs/cuda.md.
/// </summary>
public static class CudaCascade
{
    // One launcher for Enable's probe and the kernel, so that the module Enable loads is the one training uses.
    private static readonly CudaLauncher Launcher = new(new CudaModuleCache());

    private static readonly Lazy<FusedCascadeKernel> Kernel = new(() => new FusedCascadeKernel(Launcher, FusedCascadeKernel.OneSetTrainingMinBytes));

    /// <summary>
    /// Whether the fused CUDA cascade that <see cref="Enable"/> registers is the registered
    /// <see cref="CascadeKernels.Current"/> (a kernel someone else registered, even another fused one, is not it).
    /// </summary>
    public static bool IsEnabled => Kernel.IsValueCreated && ReferenceEquals(CascadeKernels.Current, Kernel.Value);

    /// <summary>
    /// Loads NVRTC and the CUDA driver, checks NVRTC's version (12 or later), initialises the driver, compiles the kernel
    /// for GPU 0 and loads it there (so that a problem, such as an NVRTC newer than the driver, shows here and not
    /// in the middle of training; the one-set float32 sigmoid kernel stays loaded, with and without the bias gradients
    /// a training step takes from it: two compiles) and registers the fused cascade as
    /// <see cref="CascadeKernels.Current"/>. The kernels used then compile on first use per set count, dtype and
    /// activation and stay loaded for the process's life. Does nothing when it is already enabled. It never replaces
    /// a kernel registered by other code: the registration is one atomic compare-exchange
    /// (<see cref="CascadeKernels.CompareExchange"/>), so two threads enabling at once both succeed and a kernel
    /// another thread registers in between is kept and reported.
    /// </summary>
    /// <exception cref="CudaKernelException">
    /// NVRTC or the driver cannot be loaded (set <c>DENDRITIC_NVRTC_PATH</c> or <c>DENDRITIC_CUDA_DRIVER_PATH</c> to
    /// the library file), NVRTC is older than 12, the driver finds no usable GPU, NVRTC cannot compile the kernel for it
    /// or the driver cannot load what NVRTC made (the message names the call, both versions and the fix); or another
    /// kernel is registered as <see cref="CascadeKernels.Current"/> (the message names its type; its owner removes it
    /// with <c>CascadeKernels.CompareExchange(null, theirs)</c> first to replace it).
    /// </exception>
    public static void Enable()
    {
        // Checked before the native work too, so that a conflict is reported without loading anything.
        ThrowIfOtherKernel(CascadeKernels.Current);
        if (IsEnabled)
        {
            return;
        }

        NativeLibraries.EnsureLoaded();
        Nvrtc.Check(Nvrtc.Version(out var major, out var minor), "nvrtcVersion");
        if (CudaErrorMessages.NvrtcVersionProblem(major, minor) is string problem)
        {
            throw new CudaKernelException(problem);
        }

        // Compiled and loaded: a CUBIN the driver refuses (an NVRTC newer than the driver) fails here, not in training;
        // both variants of the source, with and without the bias gradients a training step takes from the kernel.
        var smallest = new CascadeProblem(1, TorchSharp.torch.ScalarType.Float32, DendriteActivation.Sigmoid, 1, 1, 1, 0);
        Launcher.Preload(smallest);
        Launcher.Preload(smallest with { BiasGradients = true });
        ThrowIfOtherKernel(CascadeKernels.CompareExchange(Kernel.Value, null));
    }

    /// <summary>
    /// Returns every layer to the reference path when the fused CUDA cascade is the registered kernel; a kernel other
    /// code registered stays registered (the removal is one atomic compare-exchange).
    /// </summary>
    public static void Disable()
    {
        if (Kernel.IsValueCreated)
        {
            CascadeKernels.CompareExchange(null, Kernel.Value);
        }
    }

    private static void ThrowIfOtherKernel(ICascadeKernel? registered)
    {
        if (registered is not null && !(Kernel.IsValueCreated && ReferenceEquals(registered, Kernel.Value)))
        {
            throw new CudaKernelException(
                $"CudaCascade.Enable found another cascade kernel registered as CascadeKernels.Current: {registered.GetType().FullName}. " +
                "It was left in place. To replace it with the fused CUDA cascade, remove it first as it was registered (CascadeKernels.CompareExchange(null, thatKernel)), or keep it and do not enable this one.");
        }
    }

    /// <summary>The NVRTC version loaded, as "major.minor" (loads it if needed).</summary>
    /// <exception cref="CudaKernelException">NVRTC cannot be loaded.</exception>
    public static string NvrtcVersion()
    {
        NativeLibraries.EnsureNvrtcLoaded();
        Nvrtc.Check(Nvrtc.Version(out var major, out var minor), "nvrtcVersion");
        return FormattableString.Invariant($"{major}.{minor}");
    }
}
