using System.Threading;

namespace Dendritic;

/// <summary>
/// The process-wide choice of cascade implementation. Null (the default) leaves every layer its own path (the built-in
/// CPU cascade where it applies, else the reference path; <see cref="DendriteCascade"/>);
/// Dendritic.Net.Cuda's <c>CudaCascade.Enable()</c> registers its fused kernel here, and <c>CudaCascade.Disable()</c>
/// removes it. Layers read it on every forward, so a change applies from the next forward on.
/// </summary>
public static class CascadeKernels
{
    private static ICascadeKernel? _current;

    /// <summary>
    /// The kernel layers offer their cascade to (it may decline any request); null for none. Default null.
    /// Read-only outside the library: a kernel is registered and removed with <see cref="CompareExchange"/>, the one
    /// door, so that nobody's registration is replaced behind their back (the internal setter, which replaces any
    /// kernel unconditionally, is for the library's own tests and benchmarks). A change while other threads run
    /// forward passes is safe: each forward reads it once.
    /// </summary>
    public static ICascadeKernel? Current
    {
        get => Volatile.Read(ref _current);
        internal set => Volatile.Write(ref _current, value);
    }

    /// <summary>
    /// Atomically registers <paramref name="value"/> when the registered kernel is <paramref name="comparand"/>
    /// (compared by reference), as <see cref="Interlocked.CompareExchange{T}(ref T, T, T)"/> does: register with
    /// <c>CompareExchange(mine, null)</c> so that nobody's kernel is replaced, and unregister with
    /// <c>CompareExchange(null, mine)</c> so that a kernel someone else registered in between stays.
    /// </summary>
    /// <param name="value">The kernel to register; null for none.</param>
    /// <param name="comparand">The kernel that must be registered now for the change to happen; null for none.</param>
    /// <returns>The kernel registered before the call: the change happened when it is <paramref name="comparand"/>.</returns>
    public static ICascadeKernel? CompareExchange(ICascadeKernel? value, ICascadeKernel? comparand) =>
        Interlocked.CompareExchange(ref _current, value, comparand);
}
