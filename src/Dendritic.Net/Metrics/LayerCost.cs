using System.Linq;

namespace Dendritic;

/// <summary>
/// Parameters and forward FLOPs of one wrapped layer, counted by the library's one FLOP counter (docs/concepts.md; a multiply-add counts 2, a
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

    /// <summary>Host FLOPs per output position (per time step or pixel; per sample for a plain Linear); null (unknown) for a module host, whose FLOPs are not modelled.</summary>
    public required long? HostFlopsPerPosition { get; init; }

    /// <summary>
    /// Extra FLOPs of the dendrites per output position while they run (whether or not they are switched on now); null
    /// (unknown) for a module host, whose copies are not modelled.
    /// </summary>
    public required long? DendriteFlopsPerPosition { get; init; }

    /// <summary>Output positions per sample seen in the check pass (summed over the layer's calls); null when no check pass ran.</summary>
    public long? PositionsPerSample { get; init; }

    /// <summary>
    /// Whether the FLOPs of this layer are modelled: false for a module host (an LSTM, a block of yours), whose
    /// FLOP figures are then null (unknown), except <see cref="DendriteFlopsPerSample"/> while switched off (0).
    /// </summary>
    public bool FlopsCounted => HostFlopsPerPosition is not null;

    /// <summary>
    /// Whether the layer's dendrites are switched on (<see cref="WrappedLayer.Enabled"/>). While switched off, a forward
    /// pass runs the host alone: <see cref="DendriteFlopsPerSample"/> is 0 and <see cref="DendriteFlopsPerSampleWhenOn"/>
    /// says what switching them on would add; the dendrite parameters stay in the model and are counted either way.
    /// Default true.
    /// </summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Host FLOPs per sample; null when <see cref="PositionsPerSample"/> is unknown or the FLOPs are not modelled (a module host).</summary>
    public long? HostFlopsPerSample => PositionsPerSample * HostFlopsPerPosition;

    /// <summary>
    /// Extra FLOPs per sample that the dendrites add to a forward pass as the layer is now: 0 while they are switched
    /// off (<see cref="Enabled"/> false; they do not run), else <see cref="DendriteFlopsPerSampleWhenOn"/>.
    /// </summary>
    public long? DendriteFlopsPerSample => Enabled ? DendriteFlopsPerSampleWhenOn : 0;

    /// <summary>
    /// Extra FLOPs per sample of the dendrites while they run, switched on now or not (what <see cref="DendritePruner"/>
    /// saves by removing sets); null when <see cref="PositionsPerSample"/> is unknown or the FLOPs are not modelled (a
    /// module host).
    /// </summary>
    public long? DendriteFlopsPerSampleWhenOn => PositionsPerSample * DendriteFlopsPerPosition;

    internal static LayerCost Of(WrappedLayer layer)
    {
        var sets = layer.Branch.Sets;
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
            Enabled = layer.Enabled,
        };
    }
}
