using System.Collections.Generic;
using System.Globalization;

namespace Dendritic;

/// <summary>What pruning did to one dendrite layer.</summary>
public sealed record LayerPruningReport
{
    /// <summary>The layer's path in the model.</summary>
    public required string Name { get; init; }

    /// <summary>Dendrite sets before pruning.</summary>
    public required int SetsBefore { get; init; }

    /// <summary>Dendrite sets after pruning.</summary>
    public required int SetsAfter { get; init; }

    /// <summary>Positions (before pruning) of the removed sets in the cascade.</summary>
    public required IReadOnlyList<int> RemovedSets { get; init; }

    /// <summary>Single neurons' dendrites zeroed in sets that were kept (neuron granularity).</summary>
    public required long NeuronsZeroed { get; init; }

    /// <summary>Dendrite parameters (scalars) removed with the removed sets.</summary>
    public required long ParametersRemoved { get; init; }

    /// <summary>Dendrite parameters (scalars) that pruning set to zero in kept sets.</summary>
    public required long ParametersZeroed { get; init; }

    /// <summary>
    /// Dendrite floating-point operations saved per sample (one sample, one forward pass; a multiply-add counts 2): the
    /// drop in this layer's <see cref="LayerCost.DendriteFlopsPerSampleWhenOn"/>, counted by the library's one FLOP counter at
    /// the output positions per sample that the handle's last check pass measured (Wrap or DendriteCheckpoint.Load on a
    /// sample input, or <see cref="DendriticModel.Verify"/>), summed over the layer's calls. For a layer whose dendrites
    /// are switched off, that is what its forward pass saves once they are switched on again. 0 when no set was removed,
    /// even when those positions are unknown (and the cost report's figure for the layer null).
    /// Null when sets were removed but no check pass measured the layer's positions (unknown: a per-position figure is
    /// not reported as a per-sample one), or when <see cref="FlopsCounted"/> is false.
    /// </summary>
    public required long? FlopsSaved { get; init; }

    /// <summary>
    /// Whether this layer's FLOPs are modelled (<see cref="LayerCost.FlopsCounted"/>): false for a module host, whose
    /// <see cref="FlopsSaved"/> is then null (unknown) and which <see cref="PruningReport.FlopsSaved"/> leaves out, as
    /// <see cref="ModelCostReport.DendriteFlopsPerSample"/> does. Default true.
    /// </summary>
    public bool FlopsCounted { get; init; } = true;

    /// <summary>
    /// <see cref="FlopsSaved"/> as text: the number, "unknown (no check pass)" or "unknown (module host)", the words
    /// <see cref="ModelCostReport.ToMarkdown"/> uses for the same states.
    /// </summary>
    internal string FlopsSavedText => FlopFigures.Text(FlopsSaved, FlopsCounted, grouped: false);

    /// <summary>One line for logs and consoles, with the removed positions listed (the record's generated text would print the list's type name).</summary>
    /// <returns>For example "fc1: 2 -> 1 set(s), removed [1], 0 neuron(s) zeroed, 6280 parameters removed, 0 zeroed, FLOPs saved per sample 12544".</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{(Name.Length == 0 ? "(model)" : Name)}: {SetsBefore} -> {SetsAfter} set(s), removed [{string.Join(", ", RemovedSets)}], {NeuronsZeroed} neuron(s) zeroed, {ParametersRemoved} parameters removed, {ParametersZeroed} zeroed, FLOPs saved per sample {FlopsSavedText}");
}
