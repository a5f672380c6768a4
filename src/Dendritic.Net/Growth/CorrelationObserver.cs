using System.Collections.Generic;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Watches one layer during cascade-correlation candidate training: keeps the newest set's activation a (with its
/// graph) and, through <see cref="GradientTap"/>, the error signal e = ∂loss/∂(layer output) of the same batch.
/// </summary>
internal sealed class CorrelationObserver : IDendriteLayerObserver
{
    private Tensor? _activation;
    private Tensor? _error;
    private bool _channelsFirst;

    public Tensor Observe(DendriteBranch branch, IReadOnlyList<Tensor> activations, Tensor output)
    {
        // A layer called twice per batch (shared weights) keeps its last call.
        _activation = activations[^1];
        _channelsFirst = branch.Spec.Kind != HostKind.Linear;
        return GradientTap.Apply(output, this);
    }

    /// <summary>The last recorded error signal e (for tests).</summary>
    internal Tensor? Error => _error;

    public void RecordError(Tensor gradient)
    {
        _error?.Dispose();
        _error = gradient.detach().clone().DetachFromDisposeScope();
    }

    /// <summary>
    /// S = Σ_j |Σ_p (a_pj − ā_j)(e_pj − ē_j)| over the patterns p of the batch (samples, and positions for
    /// convolutions) and the neurons j; differentiable in a. Null when the batch did not reach this layer.
    /// </summary>
    public Tensor? Correlation()
    {
        if (_activation is null || _error is null)
        {
            return null;
        }

        var a = Patterns(_activation);
        var e = Patterns(_error);
        return ((a - a.mean(new long[] { 0 }, keepdim: true)) * (e - e.mean(new long[] { 0 }, keepdim: true))).sum(new long[] { 0 }).abs().sum();
    }

    public void Clear()
    {
        _activation = null;
        _error?.Dispose();
        _error = null;
    }

    /// <summary>[patterns, neurons]: the neuron axis is the last one for Linear and axis 1 for convolutions.</summary>
    private Tensor Patterns(Tensor t) => _channelsFirst ? t.movedim(new long[] { 1 }, new long[] { -1 }).reshape(-1, t.shape[1]) : t.reshape(-1, t.shape[^1]);
}
