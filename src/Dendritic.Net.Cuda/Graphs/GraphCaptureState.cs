using System.Threading;

namespace Dendritic.Cuda;

/// <summary>
/// Whether a <see cref="CudaGraphStep"/> is warming up or capturing a step anywhere in the process. The fused cascade
/// reads it: its one-set rule declines small training steps because their CPU dispatch costs more than the kernels it
/// saves, a cost a replayed graph does not pay, so while a step is prepared for capture the kernel takes them too
/// (the warm-up runs take the same path as the capture, so the kernels are compiled before it).
/// </summary>
internal static class GraphCaptureState
{
    private static int _active;

    /// <summary>True while any capture (its warm-up runs included) is under way.</summary>
    public static bool Active => Volatile.Read(ref _active) > 0;

    /// <summary>Marks a capture as started; pair with <see cref="Exit"/>.</summary>
    public static void Enter() => Interlocked.Increment(ref _active);

    /// <summary>Marks a capture as ended.</summary>
    public static void Exit() => Interlocked.Decrement(ref _active);
}
