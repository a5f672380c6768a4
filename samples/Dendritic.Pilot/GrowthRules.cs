using System;
using System.Collections.Generic;
using System.Linq;

namespace Dendritic.Pilot;

/// <summary>Names and meaning of <see cref="GrowthRuleSet"/> values.</summary>
public static class GrowthRules
{
    /// <summary>The command-line name of each single rule, and of the two whole sets.</summary>
    public static IReadOnlyList<(string Name, GrowthRuleSet Rules)> Names { get; } = new[]
    {
        ("classic", GrowthRuleSet.Classic), ("original", GrowthRuleSet.Original), ("cycle-best", GrowthRuleSet.CycleBest), ("at-patience", GrowthRuleSet.AtPatience),
        ("skip-first", GrowthRuleSet.SkipFirst), ("thresholds", GrowthRuleSet.Thresholds), ("normal-init", GrowthRuleSet.NormalInit),
    };

    /// <summary>
    /// The scheduler options for <paramref name="rules"/>, or the library's defaults (<c>GrowthOptions.Default</c>) when
    /// null. Every rule is set explicitly, so a set means the same whatever the library's defaults are.
    /// </summary>
    /// <param name="rules">The rule set; null for the library's defaults.</param>
    /// <returns>The options; the caller sets patience, maximum dendrites and training mode.</returns>
    public static GrowthOptions Options(GrowthRuleSet? rules)
    {
        if (rules is not { } set)
        {
            return GrowthOptions.Default;
        }

        var thresholds = set.HasFlag(GrowthRuleSet.Thresholds);
        return new GrowthOptions
        {
            PatienceAgainstCycleBest = set.HasFlag(GrowthRuleSet.CycleBest),
            PlateauAtPatience = set.HasFlag(GrowthRuleSet.AtPatience),
            FirstScoreIsBest = !set.HasFlag(GrowthRuleSet.SkipFirst),
            RelativeThreshold = 1e-4,
            RelativeThresholdByDendrites = thresholds ? GrowthOptions.PerforatedAICompatible.RelativeThresholdByDendrites : null,
            AbsoluteThreshold = thresholds ? GrowthOptions.PerforatedAICompatible.AbsoluteThreshold : 0,
        };
    }

    /// <summary>The dendrite options for <paramref name="rules"/>; the library's defaults when null.</summary>
    /// <param name="rules">The rule set; null for the library's defaults.</param>
    /// <returns>The dendrite options.</returns>
    public static DendriteOptions Dendrites(GrowthRuleSet? rules) =>
        rules is { } set
            ? set.HasFlag(GrowthRuleSet.NormalInit) ? DendriteOptions.PerforatedAICompatible : new DendriteOptions { Initialization = DendriteInitialization.HostUniform, InitScale = 1.0 }
            : new DendriteOptions();

    /// <summary>
    /// The dendrites' options of a run: in scheduler modes the growth rules' own (<see cref="Dendrites"/>), in fixed modes
    /// the library's defaults; then <see cref="PilotOptions.DendriteActivation"/> and, when given,
    /// <see cref="PilotOptions.DendriteInitScale"/>.
    /// </summary>
    /// <param name="options">The run's settings.</param>
    /// <returns>The options every wrapped layer's dendrites use.</returns>
    public static DendriteOptions DendritesFor(PilotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var rules = options.Mode is DendriteMode.Scheduler or DendriteMode.SchedulerCascadeCorrelation ? Dendrites(options.GrowthRules) : new DendriteOptions();
        return rules with { Activation = options.DendriteActivation, InitScale = options.DendriteInitScale ?? rules.InitScale };
    }

    /// <summary>The command-line spelling of <paramref name="rules"/> ("default" for null).</summary>
    /// <param name="rules">The rule set.</param>
    /// <returns>A name or a comma-separated list of names.</returns>
    public static string Describe(GrowthRuleSet? rules) => rules switch
    {
        null => "default",
        GrowthRuleSet.Classic => "classic",
        GrowthRuleSet.Original => "original",
        { } set => string.Join(",", Names.Skip(2).Where(n => set.HasFlag(n.Rules)).Select(n => n.Name)),
    };
}
