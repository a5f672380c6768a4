using System;

namespace Dendritic.Cuda;

/// <summary>
/// A CUDA context made current on the calling thread for a block of work (a module load, a launch), and the thread's
/// previous context (another one, or none) made current again when the block ends, so that libtorch or the user's own
/// driver calls on that thread find it as they left it.
/// </summary>
/// <remarks>
/// Save and restore with cuCtxSetCurrent rather than push and pop: setting replaces the top of the thread's context
/// stack and setting none pops it, so the stack below is untouched either way, and the common case (libtorch has made
/// the context current already, as on autograd's device thread) costs one cuCtxGetCurrent, as before.
/// <para>
/// A method taking the block rather than an <see cref="IDisposable"/> scope: Dispose cannot tell whether the block
/// threw, so a restore that failed there replaced the launch's own error with its own. Here a failed restore is
/// reported only when the block succeeded.
/// </para>
/// </remarks>
internal static class CurrentContextScope
{
    /// <summary>
    /// Runs <paramref name="body"/>(<paramref name="state"/>) with <paramref name="context"/> current on the calling
    /// thread (made current through <paramref name="binding"/> unless it already is), then makes the thread's previous
    /// context current again, also when <paramref name="body"/> throws.
    /// </summary>
    /// <param name="context">The context to make current.</param>
    /// <param name="binding">The thread's current context (the driver's, or a fake in tests).</param>
    /// <param name="state">What <paramref name="body"/> needs, so that a static lambda allocates nothing per launch.</param>
    /// <param name="body">The work.</param>
    /// <exception cref="CudaKernelException">
    /// The driver cannot read or set the current context before the work (nothing was changed and the work did not
    /// run), or cannot set the previous one back after work that succeeded (the thread keeps <paramref name="context"/>).
    /// When the work throws, its exception is the one thrown, whether or not the previous context could be set back.
    /// </exception>
    public static void Run<TState>(IntPtr context, IContextBinding binding, TState state, Action<TState> body)
    {
        var previous = binding.Current();
        if (previous == context)
        {
            // Nothing switched, so nothing to put back.
            body(state);
            return;
        }

        binding.Bind(context);
        try
        {
            body(state);
        }
        catch
        {
            TryBind(binding, previous);
            throw;
        }

        binding.Bind(previous);
    }

    // After the work failed: its exception says what went wrong, and the driver failing to set the context back as
    // well (a device lost mid-launch fails both) would only hide it. The thread then keeps the entered context.
    private static void TryBind(IContextBinding binding, IntPtr context)
    {
        try
        {
            binding.Bind(context);
        }
        catch (CudaKernelException)
        {
            // See above: the work's exception is rethrown.
        }
    }
}
