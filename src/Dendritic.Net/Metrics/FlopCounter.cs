using System;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// The library's one count of forward FLOPs and output positions (docs/concepts.md, "FLOP convention"), used by
/// <see cref="DendriticModel.Report"/>, <see cref="DendritePruner"/> and the experiment harness alike. A multiply-add
/// counts 2, a bias add, an activation and every other elementwise operation count 1 per element; one sample, one
/// forward pass. A layer's cost per sample is its cost per output position times its output positions per sample,
/// summed over every call in the forward pass.
/// </summary>
internal static class FlopCounter
{
    /// <summary>
    /// Whether this counter models the host's FLOPs: true for Linear and convolutions, false for a
    /// <see cref="HostKind.Module"/> host (an LSTM's or a user block's cost is not modelled: its FLOPs are unknown,
    /// null here and "unknown (module host)" in the reports).
    /// </summary>
    /// <param name="spec">The host.</param>
    /// <returns>Whether the FLOP methods give counts for it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
    public static bool Counts(HostLayerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind != HostKind.Module;
    }

    /// <summary>Forward FLOPs per output position of a host layer described by <paramref name="spec"/>.</summary>
    /// <param name="spec">The host.</param>
    /// <returns>2 × fan-in × outputs, plus outputs for the bias; null (unknown) for a module host, which is not modelled (<see cref="Counts"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
    public static long? HostFlopsPerPosition(HostLayerSpec spec) => Counts(spec) ? Projection(spec) : null;

    /// <summary>Forward FLOPs per output position of <paramref name="dendriteSets"/> dendrite sets on <paramref name="spec"/>, while they run.</summary>
    /// <param name="spec">The host.</param>
    /// <param name="dendriteSets">Number of dendrite sets (0 or more).</param>
    /// <returns>Per set k: the host-shaped projection, 2k for the cascade, 1 for f, 2 for u, per neuron; null (unknown) for a module host, whose copies are not modelled (<see cref="Counts"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
    public static long? DendriteFlopsPerPosition(HostLayerSpec spec, int dendriteSets)
    {
        if (!Counts(spec))
        {
            return null;
        }

        long total = 0;
        for (var k = 0; k < dendriteSets; k++)
        {
            total += Projection(spec) + (2L * k + 3) * spec.OutFeatures;
        }

        return total;
    }

    /// <summary>
    /// Output positions per sample of one call of a layer: the elements of <paramref name="output"/> per output
    /// neuron (time steps, pixels; 1 for a plain Linear), divided by the samples in the batch. At least 1.
    /// </summary>
    /// <remarks>
    /// An output of the host's batched rank (more than 1 for Linear and module hosts, spatial dimensions + 2 for a
    /// convolution) holds <paramref name="samples"/> samples wherever its batch axis is: a batch-second (T, B, F)
    /// output of B samples has T positions per sample, as a (B, T, F) one does. An output of a lower rank is unbatched
    /// and holds one sample.
    /// </remarks>
    /// <param name="spec">The layer's host.</param>
    /// <param name="output">The host's output in that call.</param>
    /// <param name="samples">
    /// Samples in the batch: the model input's first dimension (its batch axis, as the sample input's). When null,
    /// read from the output's first dimension, which is right only for a batch-first output: a (T, B, F) one would
    /// count B positions per sample instead of T.
    /// </param>
    /// <returns>Positions per sample.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> or <paramref name="output"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="samples"/> is less than 1.</exception>
    public static long PositionsPerSample(HostLayerSpec spec, Tensor output, long? samples = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(output);
        if (samples < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(samples), samples, "A batch holds at least 1 sample; give the model input's batch size, or null to read it from the layer's output.");
        }

        var batched = spec.Kind is HostKind.Linear or HostKind.Module ? output.dim() > 1 : output.dim() == spec.SpatialDims + 2;
        var batch = batched ? samples ?? output.shape[0] : 1;
        return Math.Max(1, output.numel() / (Math.Max(1, batch) * spec.OutFeatures));
    }

    /// <summary>The host-shaped projection's FLOPs per output position: 2 per multiply-add, plus 1 per output for the bias.</summary>
    private static long Projection(HostLayerSpec spec) => 2 * spec.FanIn * spec.OutFeatures + (spec.HasBias ? spec.OutFeatures : 0);
}
