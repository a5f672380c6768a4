using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Watches one layer during cascade-correlation candidate training: keeps the activations a of the candidate sets
/// (the newest <c>candidates</c> sets, with their graph) and, through <see cref="GradientTap"/>, the error signal
/// e = ∂loss/∂(layer output) of the same batch. Both are its own handles, detached from every dispose scope (the
/// model's forward and the backward may run in scopes that end before they are read), disposed by <see cref="Clear"/>.
/// </summary>
internal sealed class CorrelationObserver : IDendriteLayerObserver
{
    private readonly int _candidates;
    private List<Tensor>? _activations;
    private Tensor? _error;
    private bool _channelsFirst;

    /// <param name="candidates">How many of the newest sets are candidates (the pool size); at least 1.</param>
    public CorrelationObserver(int candidates = 1)
    {
        _candidates = candidates;
    }

    /// <summary>
    /// How many times the layer ran since the last <see cref="Clear"/>: more than 1 when the model calls it more than
    /// once per forward (shared weights), or when the losses' delegate ran several forwards before yielding a loss.
    /// Either way the one error backward delivers cannot be paired with one activation, so the trainer refuses it.
    /// </summary>
    public int Calls { get; private set; }

    public Tensor Observe(DendriteBranch branch, IReadOnlyList<Tensor> activations, Tensor output)
    {
        if (++Calls > 1)
        {
            // Only the first call is kept and tapped; the trainer throws before this batch's backward.
            return output;
        }

        // Handles of its own, outside every dispose scope: the model's forward may run in a scope of its own, which frees
        // the forward's handles when it ends, long before backward and Correlation read them. An alias shares the
        // tensor and its graph; Clear (after every batch) disposes it.
        _activations = activations.Skip(activations.Count - _candidates).Select(a => a.alias().DetachFromDisposeScope()).ToList();
        _channelsFirst = branch.Spec.Kind != HostKind.Linear;
        return GradientTap.Apply(output, this);
    }

    /// <summary>The last recorded error signal e (for tests).</summary>
    internal Tensor? Error => _error;

    public void RecordError(Tensor gradient)
    {
        _error?.Dispose();
        using var detached = gradient.detach();
        _error = detached.clone().DetachFromDisposeScope();
    }

    /// <summary>
    /// S = Σ_c Σ_j |Σ_p (a_cpj − ā_cj)(e_pj − ē_j)| over the candidates c, the patterns p of the batch (samples, and
    /// positions for convolutions) and the neurons j; differentiable in a. Null when the batch did not reach this layer.
    /// </summary>
    public Tensor? Correlation()
    {
        if (_activations is null || _error is null)
        {
            return null;
        }

        var e = Centred(Patterns(_error));
        if (_activations.Count == 1)
        {
            return Covariance(_activations[0], e).abs().sum();
        }

        return stack(_activations.Select(a => Covariance(a, e).abs().sum()).ToList()).sum();
    }

    /// <summary>|Σ_p (a_cpj − ā_cj)(e_pj − ē_j)| per candidate c and neuron j, shape [candidates, neurons], detached; null as <see cref="Correlation"/>.</summary>
    public Tensor? Covariances()
    {
        if (_activations is null || _error is null)
        {
            return null;
        }

        using var noGrad = no_grad();
        var e = Centred(Patterns(_error));
        return stack(_activations.Select(a => Covariance(a, e).abs()).ToList());
    }

    /// <summary>
    /// Σ_p |a_cpj − ā_cj| |e_pj − ē_j| per candidate c and neuron j, shape [candidates, neurons], float64, detached: the
    /// most the matching |covariance| can be (triangle inequality), so |covariance| / bound is a scale-free measure from
    /// 0 to 1, whatever the scale of the loss and of the activations. Null as <see cref="Correlation"/>.
    /// </summary>
    /// <remarks>
    /// Centred in float64: the float64 mean of equal float32 (or bfloat16) values is exact, so a constant activation or
    /// error gives a bound of exactly 0 on every machine. Centred in its own dtype, a constant leaves a rounding residual
    /// that cancels out of covariance / bound, and the ratio then depends on the error's mean against its spread and on
    /// how the sum happened to round. Its temporaries die here: only the [candidates, neurons] result leaves.
    /// </remarks>
    public Tensor? Bounds()
    {
        if (_activations is null || _error is null)
        {
            return null;
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var e = Centred(Patterns(_error).to(float64)).abs();
        return scope.MoveToOuter(stack(_activations.Select(a => (Centred(Patterns(a).to(float64)).abs() * e).sum(new long[] { 0 })).ToList()));
    }

    /// <summary>Disposes what this observer holds (the activations and the error of the last batch); call after every batch.</summary>
    public void Clear()
    {
        Calls = 0;
        DisposeActivations();
        _error?.Dispose();
        _error = null;
    }

    private void DisposeActivations()
    {
        foreach (var activation in _activations ?? [])
        {
            activation.Dispose();
        }

        _activations = null;
    }

    private static Tensor Centred(Tensor t) => t - t.mean(new long[] { 0 }, keepdim: true);

    private Tensor Covariance(Tensor activation, Tensor centredError) => (Centred(Patterns(activation)) * centredError).sum(new long[] { 0 });

    /// <summary>[patterns, neurons]: the neuron axis is the last one for Linear and axis 1 for convolutions.</summary>
    private Tensor Patterns(Tensor t) => _channelsFirst ? t.movedim(new long[] { 1 }, new long[] { -1 }).reshape(-1, t.shape[1]) : t.reshape(-1, t.shape[^1]);
}
