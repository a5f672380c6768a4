using System.Collections.Generic;
using System.Globalization;
using System.Linq;

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

    /// <summary>
    /// Dendrite floating-point operations saved per sample (one sample, one forward pass; a multiply-add counts 2), over
    /// the layers whose FLOPs are counted: the sum of their <see cref="LayerPruningReport.FlopsSaved"/> (module hosts,
    /// whose FLOPs are unknown, are left out, as <see cref="DendriticModel.Report"/> leaves them out). Counted at the
    /// output positions per sample of the handle's last check pass, not on the validation batch, and for the dendrites
    /// while they run: switched-off layers' savings count, as what their forward pass saves once switched on again.
    /// Null (unknown) when sets were removed from a layer whose positions no check pass measured. Whenever the cost
    /// report's <see cref="ModelCostReport.DendriteFlopsPerSample"/> and
    /// <see cref="ModelCostReport.SwitchedOffDendriteFlopsPerSample"/> are known, this is exactly the drop in their sum.
    /// That sum is unknown when any counted layer's positions are; this figure is then still known if those layers lost
    /// no set (each saved 0, whatever its positions), and it is the other layers' savings.
    /// </summary>
    public required long? FlopsSaved { get; init; }

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
        var change = MaxOutputChange is { } c ? c.ToString("G4", CultureInfo.InvariantCulture) : "not measured";
        var summary = string.Create(CultureInfo.InvariantCulture, $"{SetsRemoved} set(s) removed, dendrite parameters {DendriteParametersBefore} -> {DendriteParametersAfter} ({ParametersZeroed} zeroed), FLOPs saved per sample {FlopsSavedText}, largest output change {change}");
        return Layers.Count == 0 ? summary : summary + "; " + string.Join("; ", Layers);
    }

    /// <summary>
    /// <see cref="FlopsSaved"/> as text, for <see cref="ToString"/> and the log: the number (naming the module hosts
    /// that lost sets, which it leaves out), or "unknown" with the layers whose positions no check pass measured and
    /// how to measure them.
    /// </summary>
    internal string FlopsSavedText
    {
        get
        {
            if (FlopsSaved is null)
            {
                var unmeasured = FlopFigures.Quoted(Layers.Where(l => l.FlopsCounted && l.FlopsSaved is null).Select(l => l.Name));
                return $"unknown (no check pass measured the output positions of {unmeasured}; call handle.Verify with a forward pass before pruning to count them)";
            }

            var uncounted = Layers.Where(l => !l.FlopsCounted && l.RemovedSets.Count > 0).Select(l => l.Name).ToList();
            var text = FlopFigures.Text(FlopsSaved, counted: true, grouped: false);
            return uncounted.Count == 0 ? text : $"{text} (leaves out module host{FlopFigures.Plural(uncounted.Count)} {FlopFigures.Quoted(uncounted)}, whose FLOPs are unknown)";
        }
    }

    /// <summary>
    /// The total of the layers' savings whose FLOPs are counted (module hosts are left out, as the cost report leaves
    /// them out); null when any of those is unknown.
    /// </summary>
    internal static long? SumCounted(IEnumerable<LayerPruningReport> layers) =>
        FlopFigures.Sum(layers.Where(l => l.FlopsCounted).Select(l => l.FlopsSaved));
}
