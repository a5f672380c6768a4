using TorchSharp;

namespace Dendritic;

/// <summary>
/// TorchSharp <see cref="Scalar"/>s the per-step code passes to libtorch. Every implicit conversion of a number to a
/// Scalar allocates a native object that no dispose scope tracks and only a finalizer frees; per training step that
/// is garbage the .NET collector does not see. These are created once per process and never disposed.
/// </summary>
internal static class CachedScalars
{
    /// <summary>The integer 1, as in <c>addcmul(a, b, 1)</c>.</summary>
    public static Scalar One { get; } = 1.ToScalar();
}
