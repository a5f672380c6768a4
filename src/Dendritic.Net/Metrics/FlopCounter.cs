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
public static class FlopCounter
{
    /// <summary>
    /// Whether this counter models the host's FLOPs: true for Linear and convolutions, false for a
    /// <see cref="HostKind.Module"/> host (an LSTM's or a user block's cost is not modelled; reports say "not counted").
    /// </summary>
    /// <param name="spec">The host.</param>
    /// <returns>Whether the FLOP methods give real counts for it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
    public static bool Counts(HostLayerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind != HostKind.Module;
    }

    /// <summary>Forward FLOPs per output position of a host layer described by <paramref name="spec"/>.</summary>
    /// <param name="spec">The host.</param>
    /// <returns>2 × fan-in × outputs, plus outputs for the bias; 0 for a module host, which is not counted (<see cref="Counts"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
    public static long HostFlopsPerPosition(HostLayerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Counts(spec) ? 2 * spec.FanIn * spec.OutFeatures + (spec.HasBias ? spec.OutFeatures : 0) : 0;
    }

    /// <summary>Forward FLOPs per output position of <paramref name="dendriteSets"/> dendrite sets on <paramref name="spec"/>.</summary>
    /// <param name="spec">The host.</param>
    /// <param name="dendriteSets">Number of dendrite sets (0 or more).</param>
    /// <returns>Per set k: the host-shaped projection, 2k for the cascade, 1 for f, 2 for u, per neuron; 0 for a module host, which is not counted (<see cref="Counts"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
    public static long DendriteFlopsPerPosition(HostLayerSpec spec, int dendriteSets)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!Counts(spec))
        {
            return 0;
        }

        long total = 0;
        for (var k = 0; k < dendriteSets; k++)
        {
            total += HostFlopsPerPosition(spec) + (2L * k + 3) * spec.OutFeatures;
        }

        return total;
    }

    /// <summary>
    /// Output positions per sample of one call of a layer: the elements of <paramref name="output"/> per output
    /// neuron (time steps, pixels; 1 for a plain Linear), divided by the samples in the batch. At least 1.
    /// </summary>
    /// <param name="spec">The layer's host.</param>
    /// <param name="output">The host's output in that call.</param>
    /// <param name="samples">
    /// Samples in the batch, usually the model input's first dimension; when null, read from the output: its first
    /// dimension when it has the host's batched rank (more than 1 for Linear, spatial dimensions + 2 for a
    /// convolution), else 1 (an unbatched input).
    /// </param>
    /// <returns>Positions per sample.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> or <paramref name="output"/> is null.</exception>
    public static long PositionsPerSample(HostLayerSpec spec, Tensor output, long? samples = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(output);
        var batched = spec.Kind is HostKind.Linear or HostKind.Module ? output.dim() > 1 : output.dim() == spec.SpatialDims + 2;
        var batch = samples ?? (batched ? output.shape[0] : 1);
        return Math.Max(1, output.numel() / (Math.Max(1, batch) * spec.OutFeatures));
    }
}
