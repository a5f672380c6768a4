using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// How a custom autograd function's backward hands its gradients to TorchSharp without leaking them. Autograd takes
/// its own references when backward returns, but each .NET handle keeps its storage (output-sized tensors) until a
/// finalizer runs, which a training loop does not wait for; so the gradients a backward returned are released at the
/// start of the next backward on the same thread (on CUDA, autograd's device thread), long after autograd took them.
/// The CPU cascade and Dendritic.Net.Cuda's fused cascade both use it.
/// </summary>
internal static class GradientHandOff
{
    [ThreadStatic]
    private static List<Tensor>? _handedBack;

    /// <summary>Releases the gradients the last backward on this thread returned; call it first in a backward.</summary>
    public static void ReleasePrevious()
    {
        if (_handedBack is { Count: > 0 } handedBack)
        {
            foreach (var tensor in handedBack)
            {
                tensor.Dispose();
            }

            handedBack.Clear();
        }
    }

    /// <summary>
    /// Call last in a backward, inside the dispose scope that made <paramref name="gradients"/>: detaches them from it,
    /// disposes TorchSharp's <paramref name="gradOutput"/> handle unless it is returned itself, and keeps the gradients
    /// for <see cref="ReleasePrevious"/>.
    /// </summary>
    /// <param name="gradients">One per forward input, in order; null (first) for a non-tensor input.</param>
    /// <param name="gradOutput">The handle TorchSharp passed to backward.</param>
    /// <returns><paramref name="gradients"/>, for backward to return.</returns>
    public static List<Tensor> HandBack(List<Tensor> gradients, Tensor gradOutput)
    {
        var tensors = gradients.Where(g => g is not null).ToList();
        foreach (var gradient in tensors)
        {
            gradient.DetachFromDisposeScope();
        }

        // TorchSharp made this handle for backward and does not use it afterwards.
        if (!tensors.Any(g => ReferenceEquals(g, gradOutput)))
        {
            gradOutput.Dispose();
        }

        (_handedBack ??= new List<Tensor>()).AddRange(tensors);
        return gradients;
    }
}
