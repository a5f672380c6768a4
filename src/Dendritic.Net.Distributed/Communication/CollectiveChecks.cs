using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Distributed;

/// <summary>The argument checks every communicator makes before a collective, so that all report the same errors.</summary>
internal static class CollectiveChecks
{
    public static void Tensor(Tensor tensor, Device device, ReduceOp? op = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.device_type != device.type || (device.type == DeviceType.CUDA && tensor.device_index != device.index && device.index >= 0))
        {
            throw new ArgumentException($"The tensor is on {tensor.device}, but this communicator works on {device}: move it there first.", nameof(tensor));
        }

        if (!tensor.is_contiguous())
        {
            throw new ArgumentException("The tensor is not contiguous: collectives work in place on contiguous memory; call .contiguous() and copy the result back.", nameof(tensor));
        }

        // The dtypes NCCL carries: the in-process group refuses the others too, so that a loop tried on threads does not
        // first fail on GPUs.
        if (tensor.dtype is not (ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool or ScalarType.Int32 or ScalarType.Int64 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64))
        {
            throw new ArgumentException($"Collectives take float16, bfloat16, float32, float64, int8, uint8, int32, int64 or bool tensors (the types NCCL carries), not {tensor.dtype}: convert it first, e.g. .to(ScalarType.Int32).", nameof(tensor));
        }

        if (op is not null && tensor.dtype == ScalarType.Bool)
        {
            // NCCL adds the bytes (1 + 1 = 2, not a bool) where torch's in-place add of bools is a logical or.
            throw new ArgumentException("AllReduce does not take a Bool tensor: its sum is no bool. Convert it to Int32, sum it, and compare with 0 (any rank) or the world size (every rank).", nameof(tensor));
        }

        if (op is { } reduce && !Enum.IsDefined(reduce))
        {
            throw new ArgumentOutOfRangeException(nameof(op), reduce, "Unknown reduce operation; use Sum or Average.");
        }

        if (op == ReduceOp.Average && !tensor.is_floating_point())
        {
            throw new ArgumentException($"Average needs a floating-point tensor, not {tensor.dtype}; use Sum and divide yourself.", nameof(tensor));
        }
    }

    public static void Root(int root, int worldSize) => Rank(root, worldSize, nameof(root), "root");

    /// <summary>Checks that <paramref name="rank"/> is a rank of a world of <paramref name="worldSize"/>, naming the argument.</summary>
    public static void Rank(int rank, int worldSize, string parameter, string what = "rank")
    {
        if (rank < 0 || rank >= worldSize)
        {
            throw new ArgumentOutOfRangeException(parameter, rank, $"The {what} must be a rank, 0 to {worldSize - 1} (world size {worldSize}).");
        }
    }

    public static string Describe(Tensor tensor) => $"{tensor.dtype}[{string.Join(",", tensor.shape)}]";
}
