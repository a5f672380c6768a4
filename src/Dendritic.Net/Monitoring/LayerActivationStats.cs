using System.Text.Json.Serialization;

namespace Dendritic;

/// <summary>
/// The activation scales of one wrapped layer's dendrites over one monitoring window (normally an epoch), as
/// <see cref="ActivationMonitor.Collect"/> returns them. Plain data, serialisable with System.Text.Json. Values that
/// had nothing to measure in the window are null.
/// </summary>
public sealed record LayerActivationStats
{
    /// <summary>The layer's path in the model (<see cref="WrappedLayer.Name"/>).</summary>
    public string Layer { get; init; } = string.Empty;

    /// <summary>Dendrite sets of the layer when the window was collected. Stored as <c>DendriteSets</c> in JSON (reports, checkpoints' scheduler state).</summary>
    [JsonPropertyName("DendriteSets")]
    public int DendriteCount { get; init; }

    /// <summary>Dendrite outputs a_k seen in the window (every set, neuron, position and sample of every forward pass).</summary>
    public long Activations { get; init; }

    /// <summary>Mean |a_k| over those outputs; null when none were seen (no forward pass ran with dendrites).</summary>
    public double? MeanAbsActivation { get; init; }

    /// <summary>
    /// Share of those outputs on a flat end of the nonlinearity, where it passes back almost no gradient: sigmoid
    /// outputs below 0.01 or above 0.99 (|pre-activation| above ln 99 ≈ 4.6, slope under 1% of its peak); tanh
    /// outputs below -0.98 or above 0.98 (the same pre-activations halved, since tanh(x) = 2 sigmoid(2x) - 1); hard
    /// sigmoid outputs of exactly 0 or 1 (slope zero). Null when no outputs were seen.
    /// </summary>
    public double? SaturatedFraction { get; init; }

    /// <summary>Mean |u| (the output scales of every set and neuron) at collection time; null when the layer has no sets.</summary>
    public double? MeanAbsOutputScale { get; init; }

    /// <summary>
    /// The L2 norm of the gradient of the layer's dendrite parameters (weights, biases, u, v), averaged over the
    /// <see cref="ActivationMonitor.RecordGradients"/> calls of the window; null when there were none.
    /// </summary>
    public double? GradientNorm { get; init; }

    /// <summary>How many <see cref="ActivationMonitor.RecordGradients"/> calls <see cref="GradientNorm"/> averages.</summary>
    public int GradientSteps { get; init; }
}
