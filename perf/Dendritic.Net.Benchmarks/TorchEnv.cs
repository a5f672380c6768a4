using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>Device and dtype names as benchmark parameters, and device synchronisation for honest CUDA timings.</summary>
internal static class TorchEnv
{
    private static bool _cudaReady;

    /// <summary>The TorchSharp device for "cpu" or "cuda"; initialises the CUDA backend on first use.</summary>
    public static Device Device(string name)
    {
        if (name == "cuda")
        {
            EnsureCuda();
            return CUDA;
        }

        return CPU;
    }

    /// <summary>The scalar type for "float32", "bfloat16", "float16" or "float64".</summary>
    public static ScalarType DType(string name) => name switch
    {
        "float32" => ScalarType.Float32,
        "bfloat16" => ScalarType.BFloat16,
        "float16" => ScalarType.Float16,
        "float64" => ScalarType.Float64,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown dtype; use float32, bfloat16, float16 or float64."),
    };

    /// <summary>Waits for queued CUDA work, so that a benchmark invocation measures the kernels and not their launch.</summary>
    public static void Sync(Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            cuda.synchronize();
        }
    }

    /// <summary>Loads the CUDA backend (libtorch_cuda from the machine's PyTorch) or explains why it cannot.</summary>
    public static void EnsureCuda()
    {
        if (_cudaReady)
        {
            return;
        }

        InitializeDeviceType(DeviceType.CUDA);
        if (!cuda.is_available())
        {
            throw new InvalidOperationException("CUDA was asked for but torch.cuda.is_available() is false: run on the GPU machine through .gpu/run.sh.");
        }

        _cudaReady = true;
    }
}
