using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Dendritic;

/// <summary>
/// Parameters and forward FLOPs of a wrapped model: base model against dendrites, per wrapped layer and in total.
/// Every base parameter is accounted for: wrapped hosts, native modules, other layers. FLOPs are those of the Linear
/// and Conv1d/2d/3d layers, wrapped or not, and of the dendrites that run, as the experiment harness counts them;
/// pooling, activations, normalisation, native modules and module hosts (an LSTM with its copies; <see cref="LayerCost.FlopsCounted"/>
/// false, their FLOPs unknown) are not modelled and are left out of the totals. Switched-off dendrites do not run, so
/// they add no FLOPs to the totals; <see cref="SwitchedOffDendriteFlopsPerSample"/> says what they would add. See
/// <see cref="LayerCost"/> for the convention.
/// </summary>
public sealed record ModelCostReport
{
    /// <summary>One entry per wrapped layer, in model order.</summary>
    public required IReadOnlyList<LayerCost> Layers { get; init; }

    /// <summary>Scalars in the base model (every parameter that is not a dendrite's).</summary>
    public required long BaseParameters { get; init; }

    /// <summary>
    /// Native modules (Transformer*, MultiheadAttention, LSTM, GRU, RNN), whose layers live inside libtorch and carry no
    /// dendrites; empty when the model has none.
    /// </summary>
    public IReadOnlyList<NativeModuleCost> NativeModules { get; init; } = [];

    /// <summary>Base-model scalars inside <see cref="NativeModules"/>.</summary>
    public long NativeParameters => NativeModules.Sum(m => m.Parameters);

    /// <summary>
    /// Base-model scalars neither in a wrapped layer's host nor in a native module: embeddings, normalisations, layers
    /// that were not selected.
    /// </summary>
    public long OtherBaseParameters => BaseParameters - Layers.Sum(l => l.HostParameters) - NativeParameters;

    /// <summary>Scalars in all dendrites.</summary>
    public long DendriteParameters => Layers.Sum(l => l.DendriteParameters);

    /// <summary>Base plus dendrite scalars.</summary>
    public long TotalParameters => BaseParameters + DendriteParameters;

    /// <summary>
    /// FLOPs per sample of the Linear and Conv1d/2d/3d layers that carry no dendrites (and are not inside a module
    /// host), counted in the same check pass as the wrapped layers; null when no check pass ran. Default null.
    /// </summary>
    public long? OtherBaseFlopsPerSample { get; init; }

    /// <summary>
    /// The Linear and Conv1d/2d/3d layers without dendrites that the check pass did not see run, so that
    /// <see cref="OtherBaseFlopsPerSample"/> counts 0 for them: not run on the sample, or called with .forward(), which
    /// skips the forward hooks that count them (call them with .call()). Empty when every one ran or no check pass ran.
    /// </summary>
    public IReadOnlyList<string> LayersNotSeen { get; init; } = [];

    /// <summary>
    /// FLOPs per sample of the base model's Linear and Conv1d/2d/3d layers: <see cref="WrappedHostFlopsPerSample"/>
    /// plus <see cref="OtherBaseFlopsPerSample"/>; null when either is unknown.
    /// </summary>
    public long? BaseFlopsPerSample => WrappedHostFlopsPerSample + OtherBaseFlopsPerSample;

    /// <summary>
    /// FLOPs per sample of the whole model as counted here, with its dendrites as they are switched now:
    /// <see cref="BaseFlopsPerSample"/> plus <see cref="DendriteFlopsPerSample"/> (what the experiment harness's
    /// ModelCost.FlopsPerSample gives); null when either is unknown.
    /// </summary>
    public long? TotalFlopsPerSample => BaseFlopsPerSample + DendriteFlopsPerSample;

    /// <summary>
    /// Host FLOPs per sample of the wrapped layers whose FLOPs are counted (module hosts are left out, as native
    /// modules are: <see cref="LayerCost.FlopsCounted"/>); null when any of those layers' positions are unknown.
    /// </summary>
    public long? WrappedHostFlopsPerSample => FlopFigures.Sum(Counted.Select(l => l.HostFlopsPerSample));

    /// <summary>
    /// Extra FLOPs per sample of the dendrites that run (<see cref="LayerCost.DendriteFlopsPerSample"/>: switched-off
    /// ones add 0) on the wrapped layers whose FLOPs are counted (module hosts' dendrites are left out); null when any
    /// of the switched-on layers' positions are unknown.
    /// </summary>
    public long? DendriteFlopsPerSample => FlopFigures.Sum(Counted.Select(l => l.DendriteFlopsPerSample));

    /// <summary>
    /// Extra FLOPs per sample that the switched-off dendrites would add once switched on (their
    /// <see cref="LayerCost.DendriteFlopsPerSampleWhenOn"/>), reported apart from the totals, which they do not run in;
    /// 0 when none is switched off; null when any of those layers' positions are unknown. Module hosts are left out.
    /// </summary>
    public long? SwitchedOffDendriteFlopsPerSample => FlopFigures.Sum(Counted.Where(l => !l.Enabled).Select(l => l.DendriteFlopsPerSampleWhenOn));

    /// <summary>The wrapped layers whose FLOPs are modelled.</summary>
    private IEnumerable<LayerCost> Counted => Layers.Where(l => l.FlopsCounted);

    /// <summary>
    /// The report as a Markdown table, one row per wrapped layer, then the other layers and the base model's total,
    /// followed by the whole model's totals with the dendrites' overhead in percent and what the FLOPs cover. A FLOP
    /// figure that was not measured reads "unknown (no check pass)" or, for a module host, "unknown (module host)".
    /// </summary>
    /// <returns>Markdown text.</returns>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| layer | host | dendrite sets | host params | dendrite params | host FLOPs/sample | dendrite FLOPs/sample |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var layer in Layers)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {layer.Name} | {layer.Host} | {layer.DendriteCount}{(layer.Enabled ? string.Empty : " (switched off)")} | {layer.HostParameters:N0} | {layer.DendriteParameters:N0} | {Format(layer.HostFlopsPerSample, layer.FlopsCounted)} | {DendriteFlops(layer)} |");
        }

        if (NativeModules.Count > 0)
        {
            var names = string.Join(", ", NativeModules.Select(m => string.Create(CultureInfo.InvariantCulture, $"{(m.Name.Length == 0 ? "(the model)" : m.Name)} ({m.Type}, {m.Parameters:N0})")));
            text.AppendLine(CultureInfo.InvariantCulture, $"| native modules (no dendrites, cannot be searched) | {names} | | {NativeParameters:N0} | | not counted | |");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"| other layers (no dendrites) | | | {OtherBaseParameters:N0} | | {Format(OtherBaseFlopsPerSample, counted: true)} | |");

        // Labelled by what each sum covers: the parameters are every base parameter, the FLOPs only the modelled layers.
        text.AppendLine(CultureInfo.InvariantCulture, $"| **total** | base model: all parameters, Linear/Conv FLOPs | | {BaseParameters:N0} | {DendriteParameters:N0} | {Format(BaseFlopsPerSample, counted: true)} | {Format(DendriteFlopsPerSample, counted: true)} |");
        text.AppendLine();
        var flops = TotalFlopsPerSample is { } total
            ? string.Create(CultureInfo.InvariantCulture, $"{total:N0} FLOPs/sample ({Overhead(DendriteFlopsPerSample!.Value, BaseFlopsPerSample!.Value)} for the dendrites)")
            : $"FLOPs/sample {Format(null, counted: true)}";
        text.AppendLine(CultureInfo.InvariantCulture, $"Whole model with dendrites: {TotalParameters:N0} parameters ({Overhead(DendriteParameters, BaseParameters)} for the dendrites), {flops}.");
        text.AppendLine("FLOPs count the Linear and Conv1d/2d/3d layers, wrapped or not, and the dendrites that run (docs/concepts.md, \"FLOP convention\"); pooling, activations, normalisation, transposed convolutions (ConvTranspose1d/2d/3d) and module hosts are not counted.");
        if (LayersNotSeen.Count > 0)
        {
            // Their hooks never fired, so the "other layers" figure holds 0 for them: say so rather than under-count silently.
            text.AppendLine(CultureInfo.InvariantCulture, $"Layers without dendrites not seen in the check pass (called with .forward()?): {string.Join(", ", LayersNotSeen)}. Their FLOPs are counted as 0; call them with .call(), which fires the hooks that count them, and run the check pass again (handle.Verify).");
        }

        if (Layers.Where(l => !l.FlopsCounted).Select(l => l.Name).ToList() is { Count: > 0 } uncounted)
        {
            // The totals above are the known part: say what they leave out, so they are not read as the whole cost.
            text.AppendLine(CultureInfo.InvariantCulture, $"The FLOPs of the module host{FlopFigures.Plural(uncounted.Count)} {FlopFigures.Quoted(uncounted)} and {(uncounted.Count == 1 ? "its" : "their")} dendrites are unknown (not modelled) and left out: the totals are those of the other layers.");
        }

        if (Layers.Any(l => !l.Enabled))
        {
            // An A/B test reads this table with the dendrites off: what they would cost switched on is said apart from
            // the totals, which hold only what runs.
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"Layers marked \"switched off\" run the host alone while they are: their dendrites add no FLOPs to the totals above (their FLOPs/sample once switched on: {Format(SwitchedOffDendriteFlopsPerSample, counted: true)}), and their parameters, which stay in the model, are counted.");
        }

        return text.ToString();
    }

    /// <summary>The dendrites' share over the base as a signed percentage with two decimals ("+0.50 %"); "n/a" over a base of 0.</summary>
    private static string Overhead(long dendrites, long baseline) =>
        baseline == 0 ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"+{100.0 * dendrites / baseline:0.00} %");

    /// <summary>A layer's dendrite FLOPs in this forward pass, and for a switched-off layer what they would be switched on.</summary>
    private static string DendriteFlops(LayerCost layer) => layer.Enabled
        ? Format(layer.DendriteFlopsPerSample, layer.FlopsCounted)
        : $"0 (switched off; {Format(layer.DendriteFlopsPerSampleWhenOn, layer.FlopsCounted)} when on)";

    private static string Format(long? value, bool counted) => FlopFigures.Text(value, counted, grouped: true);
}
