using System;

namespace Dendritic.Cuda;

/// <summary>The thread's current context as the CUDA driver keeps it.</summary>
internal sealed class DriverContextBinding : IContextBinding
{
    /// <summary>The one instance (the binding has no state of its own: the driver keeps it per thread).</summary>
    public static readonly DriverContextBinding Instance = new();

    private DriverContextBinding()
    {
    }

    /// <inheritdoc />
    public IntPtr Current()
    {
        CudaDriver.Check(CudaDriver.CtxGetCurrent(out var context), "cuCtxGetCurrent");
        return context;
    }

    /// <inheritdoc />
    public void Bind(IntPtr context) => CudaDriver.Check(CudaDriver.CtxSetCurrent(context), "cuCtxSetCurrent");
}
