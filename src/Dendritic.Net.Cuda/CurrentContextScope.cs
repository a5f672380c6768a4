using System;

namespace Dendritic.Cuda;

/// <summary>
/// A CUDA context made current on the calling thread for a block of work (a module load, a launch), and the thread's
/// previous context (another one, or none) made current again when the block ends, so that libtorch or the user's own
/// driver calls on that thread find it as they left it. Enter and dispose on the same thread, as <c>using</c> does.
/// </summary>
/// <remarks>
/// Save and restore with cuCtxSetCurrent rather than push and pop: setting replaces the top of the thread's context
/// stack and setting none pops it, so the stack below is untouched either way, and the common case (libtorch has made
/// the context current already, as on autograd's device thread) costs one cuCtxGetCurrent, as before.
/// </remarks>
internal readonly struct CurrentContextScope : IDisposable
{
    private readonly IContextBinding? _binding;
    private readonly IntPtr _previous;

    private CurrentContextScope(IContextBinding binding, IntPtr previous)
    {
        _binding = binding;
        _previous = previous;
    }

    /// <summary>Makes <paramref name="context"/> current through <paramref name="binding"/> unless it already is.</summary>
    /// <exception cref="CudaKernelException">The driver cannot read or set the current context; nothing was changed.</exception>
    public static CurrentContextScope Enter(IntPtr context, IContextBinding binding)
    {
        var previous = binding.Current();
        if (previous == context)
        {
            // Nothing switched, so nothing to put back.
            return default;
        }

        binding.Bind(context);
        return new CurrentContextScope(binding, previous);
    }

    /// <summary>Makes the context that was current before <see cref="Enter"/> current again, if Enter changed it.</summary>
    /// <exception cref="CudaKernelException">The driver cannot set the context back (the thread keeps the entered one).</exception>
    public void Dispose() => _binding?.Bind(_previous);
}
