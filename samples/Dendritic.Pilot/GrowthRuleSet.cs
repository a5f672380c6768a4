using System;

namespace Dendritic.Pilot;

/// <summary>
/// Which of the original perforatedai's growth rules the scheduler arm uses, on top of the classic rules (the
/// library's rules before docs/parity.md: ReduceLROnPlateau-style patience against the global best, uniform
/// dendrite initialisation). Each flag switches one rule to the original's, so each difference can be measured alone
/// (command-line names in brackets; <c>--growth-rules cycle-best,at-patience</c> combines them).
/// </summary>
[Flags]
public enum GrowthRuleSet
{
    /// <summary>[classic] None of the original's rules.</summary>
    Classic = 0,

    /// <summary>[cycle-best] Patience counted against the cycle's best (<see cref="GrowthOptions.PatienceAgainstCycleBest"/>).</summary>
    CycleBest = 1,

    /// <summary>[at-patience] The plateau fires when the count reaches the patience (<see cref="GrowthOptions.PlateauAtPatience"/>).</summary>
    AtPatience = 2,

    /// <summary>[skip-first] The first score is never the best (<see cref="GrowthOptions.FirstScoreIsBest"/> false).</summary>
    SkipFirst = 4,

    /// <summary>[thresholds] Relative thresholds 1e-3, 1e-4, 0 by dendrite count and a raw threshold of 1e-5.</summary>
    Thresholds = 8,

    /// <summary>[normal-init] Dendrite weights from N(0, 0.01²) (<see cref="DendriteOptions.PerforatedAICompatible"/>).</summary>
    NormalInit = 16,

    /// <summary>[original] All of the original's rules: <see cref="GrowthOptions.PerforatedAICompatible"/>'s rules.</summary>
    Original = CycleBest | AtPatience | SkipFirst | Thresholds | NormalInit,
}
