using System;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Dendritic.Cuda;

/// <summary>
/// The address of a tensor's first element, on whatever device it lives. TorchSharp 0.107 has no public data_ptr for
/// CUDA tensors; its native bridge exports THSTensor_data (at::Tensor::data_ptr(), storage offset included), which
/// TorchSharp itself calls for CPU tensors.
/// </summary>
internal static partial class TensorPointers
{
    public static IntPtr Of(Tensor tensor)
    {
        var pointer = THSTensor_data(tensor.Handle);
        return pointer != IntPtr.Zero || tensor.numel() == 0
            ? pointer
            : throw new CudaKernelException($"TorchSharp returned no data pointer for a {tensor.dtype} tensor on {tensor.device}.");
    }

    [LibraryImport("LibTorchSharp")]
    private static partial IntPtr THSTensor_data(IntPtr handle);
}
