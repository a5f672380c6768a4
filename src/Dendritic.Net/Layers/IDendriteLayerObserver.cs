using System.Collections.Generic;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Sees the per-set dendrite activations of a <see cref="DendriteBranch"/> during a forward pass and may replace the
/// layer's output (with an identity autograd function that taps its gradient). Cascade-correlation training installs
/// one for the length of a candidate phase; no observer is set otherwise, so the normal forward pays nothing.
/// </summary>
internal interface IDendriteLayerObserver
{
    /// <summary>Called once per forward with dendrites; returns the tensor the layer hands on (normally <paramref name="output"/>).</summary>
    /// <param name="branch">The dendrites that ran.</param>
    /// <param name="activations">a_0 ... a_{K-1}, each shaped like the output, still attached to the graph.</param>
    /// <param name="output">The layer's output.</param>
    Tensor Observe(DendriteBranch branch, IReadOnlyList<Tensor> activations, Tensor output);
}
