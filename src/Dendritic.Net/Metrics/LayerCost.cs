using System.Linq;

namespace Dendritic;

/// <summary>
/// Parameters and forward FLOPs of one wrapped layer, counted by <see cref="FlopCounter"/> (a multiply-add counts 2, a
/// bias add, an activation and every other elementwise operation count 1 per element; one sample, one forward pass;
/// backward is about twice the forward and is not included).
/// </summary>
public sealed record LayerCost
{
    /// <summary>The layer's path in the model.</summary>
    public required string Name { get; init; }

    /// <summary>The host, as <see cref="HostLayerSpec.ToString"/> prints it.</summary>
    public required string Host { get; init; }

    /// <summary>Number of dendrite sets.</summary>
    public required int DendriteCount { get; init; }

    /// <summary>Scalars in the host's weight and bias.</summary>
    public required long HostParameters { get; init; }

    /// <summary>Scalars in all dendrite sets (weights, biases, u and v).</summary>
    public required long DendriteParameters { get; init; }

    /// <summary>Dendrite scalars that currently require gradients (frozen sets are not counted).</summary>
    public required long TrainableDendriteParameters { get; init; }

    /// <summary>Host FLOPs per output position (per time step or pixel; per sample for a plain Linear).</summary>
    public required long HostFlopsPerPosition { get; init; }

    /// <summary>Extra FLOPs of the dendrites per output position.</summary>
    public required long DendriteFlopsPerPosition { get; init; }

    /// <summary>Output positions per sample seen in the check pass (summed over the layer's calls); null when no check pass ran.</summary>
    public long? PositionsPerSample { get; init; }

    /// <summary>
    /// Whether the FLOPs of this layer are modelled (<see cref="FlopCounter.Counts"/>): false for a module host, whose
    /// per-position figures are then 0 and per-sample figures null. Default true.
    /// </summary>
    public bool FlopsCounted { get; init; } = true;

    /// <summary>
    /// Whether the layer's dendrites are switched on (<see cref="WrappedLayer.Enabled"/>). The dendrite parameters and
    /// FLOPs describe the structure and are counted either way; while switched off, a forward pass runs the host alone.
    /// Default true.
    /// </summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Host FLOPs per sample; null when <see cref="PositionsPerSample"/> is unknown or the FLOPs are not counted.</summary>
    public long? HostFlopsPerSample => FlopsCounted ? PositionsPerSample * HostFlopsPerPosition : null;

    /// <summary>Extra dendrite FLOPs per sample; null when <see cref="PositionsPerSample"/> is unknown or the FLOPs are not counted.</summary>
    public long? DendriteFlopsPerSample => FlopsCounted ? PositionsPerSample * DendriteFlopsPerPosition : null;

    internal static LayerCost Of(WrappedLayer layer)
    {
        var sets = layer.Dendrites.Sets;
        return new LayerCost
        {
            Name = layer.Name,
            Host = layer.Spec.ToString(),
            DendriteCount = sets.Count,
            HostParameters = layer.Attachment.HostParameterCount,
            DendriteParameters = sets.Sum(s => s.ParameterCount),
            TrainableDendriteParameters = sets.Sum(s => s.parameters().Where(p => p.requires_grad).Sum(p => p.numel())),
            HostFlopsPerPosition = FlopCounter.HostFlopsPerPosition(layer.Spec),
            DendriteFlopsPerPosition = FlopCounter.DendriteFlopsPerPosition(layer.Spec, sets.Count),
            PositionsPerSample = layer.PositionsPerSample,
            FlopsCounted = FlopCounter.Counts(layer.Spec),
            Enabled = layer.Enabled,
        };
    }
}
