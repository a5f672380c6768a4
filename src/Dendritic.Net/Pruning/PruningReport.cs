using System.Collections.Generic;
using System.Globalization;

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

    /// <summary>
    /// One line for logs and consoles, with every layer's line after it (the record's generated text would print the
    /// layer list's type name).
    /// </summary>
    /// <returns>For example "2 set(s) removed, dendrite parameters 12560 -> 0 (0 zeroed), ...; fc1: ...".</returns>
    public override string ToString()
    {
        var flops = FlopsMeasured ? "per sample" : "per output position";
        var change = MaxOutputChange is { } c ? c.ToString("G4", CultureInfo.InvariantCulture) : "not measured";
        var summary = string.Create(CultureInfo.InvariantCulture, $"{SetsRemoved} set(s) removed, dendrite parameters {DendriteParametersBefore} -> {DendriteParametersAfter} ({ParametersZeroed} zeroed), {FlopsSaved} FLOPs saved {flops}, largest output change {change}");
        return Layers.Count == 0 ? summary : summary + "; " + string.Join("; ", Layers);
    }
}
