namespace Dendritic.Tests.Growth;

/// <summary>
/// The scheduler's rules before docs/parity.md changed the defaults: the plateau fires when the count of
/// non-improving validations exceeds the patience, counted against the global best, and the first score is the best.
/// Tests written for those rules pin them here, so they keep testing what they were written for.
/// </summary>
internal static class ClassicRules
{
    public static GrowthOptions Options { get; } = new() { PlateauAtPatience = false, PatienceAgainstCycleBest = false, FirstScoreIsBest = true };
}
