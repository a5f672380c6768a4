using System.Collections.Generic;

namespace Dendritic;

/// <summary>What <see cref="DendritePruner.Prune"/> removed, what it saved and how much the output moved.</summary>
public sealed record PruningReport
{
    /// <summary>One entry per dendrite layer of the model, in model order.</summary>
    public required IReadOnlyList<LayerPruningReport> Layers { get; init; }

    /// <summary>Dendrite parameters (scalars) in the model before pruning.</summary>
    public required long DendriteParametersBefore { get; init; }

    /// <summary>Dendrite parameters (scalars) in the model after pruning.</summary>
    public required long DendriteParametersAfter { get; init; }

    /// <summary>Dendrite parameters removed: <see cref="DendriteParametersBefore"/> minus <see cref="DendriteParametersAfter"/>.</summary>
    public long ParametersRemoved => DendriteParametersBefore - DendriteParametersAfter;

    /// <summary>Dendrite parameters zeroed in kept sets (neuron granularity).</summary>
    public required long ParametersZeroed { get; init; }

    /// <summary>Dendrite sets removed, over all layers.</summary>
    public required int SetsRemoved { get; init; }

    /// <summary>Floating-point operations saved per sample, over all layers (a multiply-add counts 2).</summary>
    public required long FlopsSaved { get; init; }

    /// <summary>
    /// True when FLOPs were counted at the output positions of a validation batch (every pixel of a convolution,
    /// every time step of a sequence); false when no batch was given and they are per output position.
    /// </summary>
    public required bool FlopsMeasured { get; init; }

    /// <summary>
    /// Largest absolute change of any model output on the validation batch between before and after pruning, in the
    /// model's output units; null when no validation batch was given.
    /// </summary>
    public required double? MaxOutputChange { get; init; }
}
