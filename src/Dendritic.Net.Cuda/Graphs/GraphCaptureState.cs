using System;

namespace Dendritic.Cuda;

/// <summary>
/// Whether a <see cref="CudaGraphStep"/> on this thread is warming up or capturing a step. The fused cascade reads it
/// where a layer's forward runs (on the capturing thread): its one-set rule declines small training steps because
/// their CPU dispatch costs more than the kernels it saves, a cost a replayed graph does not pay, so while a step is
/// prepared for capture the kernel takes them too (the warm-up runs take the same path as the capture, so the kernels
/// are compiled before it). Per thread, so that other threads' eager training keeps its own path meanwhile.
/// </summary>
internal static class GraphCaptureState
{
    [ThreadStatic]
    private static int _active;

    /// <summary>True while a capture (its warm-up runs included) is under way on this thread.</summary>
    public static bool Active => _active > 0;

    /// <summary>Marks a capture on this thread as started; pair with <see cref="Exit"/>.</summary>
    public static void Enter() => _active++;

    /// <summary>Marks a capture on this thread as ended.</summary>
    public static void Exit() => _active--;

    /// <summary>Runs <paramref name="body"/> on this thread as a capture would: the path an eager step compared with a captured one must take.</summary>
    public static void During(Action body)
    {
        Enter();
        try
        {
            body();
        }
        finally
        {
            Exit();
        }
    }
}
