using System.Threading;

namespace Dendritic;

/// <summary>
/// The process-wide choice of cascade implementation. Null (the default) runs every layer's reference path;
/// Dendritic.Net.Cuda's <c>CudaCascade.Enable()</c> sets its fused kernel here, and <c>CudaCascade.Disable()</c>
/// clears it. Layers read it on every forward, so a change applies from the next forward on.
/// </summary>
public static class CascadeKernels
{
    private static ICascadeKernel? _current;

    /// <summary>
    /// The kernel layers offer their cascade to (it may decline any request); null for the reference path. Default null.
    /// Setting it while other threads run forward passes is safe: each forward reads it once.
    /// </summary>
    public static ICascadeKernel? Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }
}
