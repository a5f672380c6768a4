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
    /// Floating-point operations saved per sample (a multiply-add counts 2), at the output positions measured on the
    /// validation batch, or per output position when there was none (see <see cref="PruningReport.FlopsMeasured"/>).
    /// </summary>
    public required long FlopsSaved { get; init; }

    /// <summary>One line for logs and consoles, with the removed positions listed (the record's generated text would print the list's type name).</summary>
    /// <returns>For example "fc1: 2 -> 1 set(s), removed [1], 0 neuron(s) zeroed, 6280 parameters removed, 0 zeroed, 12544 FLOPs saved".</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{(Name.Length == 0 ? "(model)" : Name)}: {SetsBefore} -> {SetsAfter} set(s), removed [{string.Join(", ", RemovedSets)}], {NeuronsZeroed} neuron(s) zeroed, {ParametersRemoved} parameters removed, {ParametersZeroed} zeroed, {FlopsSaved} FLOPs saved");
}
