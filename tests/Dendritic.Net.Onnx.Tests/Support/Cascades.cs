using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>Dendrite sets that change the output: fresh ones have u = 0, so an export that dropped them would still match.</summary>
internal static class Cascades
{
    /// <summary>Draws every set's u and v from a standard normal times <paramref name="scale"/>, from <paramref name="seed"/>.</summary>
    public static void Randomise(DendriticModel handle, long seed, double scale = 1.0)
    {
        using var generator = new Generator((ulong)seed);
        using (no_grad())
        {
            foreach (var set in handle.Layers.SelectMany(l => l.Branch.Sets))
            {
                set.OutputScale.copy_(randn(set.OutputScale.shape, generator: generator) * scale);
                set.CascadeWeights?.copy_(randn(set.CascadeWeights.shape, generator: generator) * scale);
            }
        }
    }
}
