using System;

namespace Dendritic;

/// <summary>
/// The growth rules as one pure function: from the policy state, a score and the options to a <see cref="GrowthPlan"/>.
/// It touches no model, so every rule is testable on its own; <see cref="GrowthScheduler.Step"/> carries the plan out.
/// The rules are described in docs/growth-scheduler.md.
/// </summary>
internal static class GrowthPolicy
{
    /// <summary>
    /// The most validations a scheduler counts: <see cref="GrowthScheduler.Step"/> refuses the next one, so that no
    /// counter wraps to a negative value (which the next checkpoint would record and resume would refuse).
    /// </summary>
    public const int MaxValidations = int.MaxValue - 1;

    /// <summary>Decides what one validation score leads to.</summary>
    /// <param name="state">The state before this score.</param>
    /// <param name="score">The validation score; finite.</param>
    /// <param name="learningRate">The optimizer's learning rate, for the low-rate warning; optional.</param>
    /// <param name="dendrites">Dendrite sets per layer now.</param>
    /// <param name="options">Validated options.</param>
    /// <returns>The plan, with the state after it.</returns>
    public static GrowthPlan Decide(GrowthPolicyState state, double score, double? learningRate, int dendrites, GrowthOptions options)
    {
        var alpha = options.Smoothing;
        var value = state.Smoothed is { } previous && alpha > 0 ? (alpha * previous) + ((1 - alpha) * score) : score;
        // Checked: Step refuses a validation past MaxValidations, and SinceChange never exceeds Validations, so an
        // overflow here is a bug, which must not wrap silently into a negative count.
        var s = state with { Validations = checked(state.Validations + 1), SinceChange = checked(state.SinceChange + 1), Smoothed = value };
        if (s.Validations == 1 && !options.FirstScoreIsBest)
        {
            // perforatedai's check_new_best never counts epoch 0; its weights are still kept, as a fallback only.
            var kept = s with { BestDendriteCount = dendrites };
            return new GrowthPlan(kept, kept, GrowthAction.NoChange, GrowthReason.FirstScore, "First score; its weights are kept as a fallback, but it is not taken as the best (FirstScoreIsBest is false).", value, CaptureBest: true, RestoreBest: false, IsLearningRateLow: false);
        }

        var first = s.Best is null;
        var (observed, improved, counted, inCooldown) = Observe(s, value, dendrites, options);
        if (improved)
        {
            observed = observed with { BestDendriteCount = dendrites, ImprovedSinceChange = observed.ImprovedSinceChange || !first };
        }

        return Choose(observed, value, (first, improved, counted, inCooldown), learningRate, dendrites, options);
    }

    /// <summary>Whether <paramref name="value"/> beats <paramref name="reference"/> by the thresholds that apply with <paramref name="dendrites"/> sets.</summary>
    public static bool Beats(double value, double? reference, int dendrites, GrowthOptions options)
    {
        if (reference is not { } best)
        {
            return true;
        }

        var (relative, absolute) = options.ThresholdsAt(dendrites);
        var margin = Math.Max(relative * Math.Abs(best), absolute);
        return options.Mode == ScoreMode.Maximize ? value > best + margin : value < best - margin;
    }

    private static (GrowthPolicyState State, bool Improved, bool Counted, bool InCooldown) Observe(GrowthPolicyState s, double value, int dendrites, GrowthOptions options)
    {
        var improved = Beats(value, s.Best, dendrites, options);
        var counted = improved;
        if (improved)
        {
            s = s with { Best = value };
        }

        // With PatienceAgainstCycleBest a new best of the current cycle also restarts the patience.
        if (options.PatienceAgainstCycleBest && (improved || Beats(value, s.CycleBest, dendrites, options)))
        {
            s = s with { CycleBest = value };
            counted = true;
        }

        var inCooldown = s.CooldownLeft > 0;
        s = inCooldown
            ? s with { BadValidations = 0, CooldownLeft = s.CooldownLeft - 1 }
            : s with { BadValidations = counted ? 0 : s.BadValidations + 1 };
        return (s, improved, counted, inCooldown);
    }

    private static bool IsPlateau(GrowthPolicyState s, GrowthOptions options) =>
        options.PlateauAtPatience ? s.BadValidations >= options.Patience : s.BadValidations > options.Patience;

    private static GrowthPlan Choose(GrowthPolicyState s, double value, (bool First, bool Improved, bool Counted, bool InCooldown) seen, double? learningRate, int dendrites, GrowthOptions options)
    {
        var trigger = options.Trigger switch
        {
            GrowthTrigger.EveryN => s.SinceChange >= options.Interval,
            GrowthTrigger.EveryValidation => true,
            _ => IsPlateau(s, options),
        };

        if (!trigger)
        {
            // Counted but not improved: a best of the cycle only, which must not read as an improvement in a log.
            var reason = seen.First ? GrowthReason.FirstScore
                : seen.Improved ? GrowthReason.Improved
                : seen.Counted ? GrowthReason.CycleBest
                : seen.InCooldown ? GrowthReason.Cooldown
                : GrowthReason.NoImprovement;
            var message = reason switch
            {
                GrowthReason.FirstScore when !options.FirstScoreIsBest => "First counted score (validation 1 is never taken as the best: FirstScoreIsBest is false); it is the best so far.",
                GrowthReason.FirstScore => "First score; it is the best so far.",
                GrowthReason.CycleBest => "New best score of this cycle (since the start or the last growth), not the best score; patience restarts.",
                GrowthReason.Improved => "New best score.",
                GrowthReason.Cooldown => $"No improvement, but within the cooldown after growth ({s.CooldownLeft} validation(s) left).",
                _ => $"No improvement by the thresholds ({s.BadValidations} of patience {options.Patience}).",
            };
            return new GrowthPlan(s, s, GrowthAction.NoChange, reason, message, value, seen.Improved, RestoreBest: false, IsLearningRateLow: false);
        }

        var why = options.Trigger switch
        {
            GrowthTrigger.EveryN => $"Interval of {options.Interval} validation(s) reached",
            GrowthTrigger.EveryValidation => "Growth at every validation",
            _ => $"Plateau: {s.BadValidations} non-improving validation(s), patience {options.Patience}",
        };

        if (options.Trigger == GrowthTrigger.Never)
        {
            return Complete(s, value, seen.Improved, GrowthReason.EarlyStopped, why + "; growth is off, so training stops early with the best model restored.");
        }

        if (s.Phase == GrowthPhase.Grown && options.KeepOnlyImprovements && !s.ImprovedSinceChange)
        {
            var retry = s with { Retries = s.Retries + 1 };
            if (retry.Retries > options.MaxRetries)
            {
                return Complete(retry, value, seen.Improved, GrowthReason.RetriesExhausted, $"{why}; the last {retry.Retries} growth attempt(s) never beat the best score, no retries left ({options.MaxRetries}): best model restored with {retry.BestDendriteCount} dendrite set(s).");
            }

            return Grow(s, retry, value, seen.Improved, restore: true, GrowthReason.Retried, $"{why}; the last growth never beat the best score: reverted to the best model and added fresh dendrites (retry {retry.Retries} of {options.MaxRetries}).", learningRate, options);
        }

        if (dendrites >= options.MaxDendrites)
        {
            return Complete(s, value, seen.Improved, GrowthReason.MaxDendritesReached, $"{why} at the maximum of {options.MaxDendrites} dendrite set(s): best model restored with {s.BestDendriteCount} dendrite set(s).");
        }

        return Grow(s, s with { Retries = 0 }, value, seen.Improved, options.KeepOnlyImprovements, GrowthReason.Grew, $"{why}: {(options.KeepOnlyImprovements ? "best weights restored and " : string.Empty)}one dendrite set added to every wrapped layer.", learningRate, options);
    }

    private static GrowthPlan Grow(GrowthPolicyState observed, GrowthPolicyState s, double value, bool capture, bool restore, GrowthReason reason, string message, double? learningRate, GrowthOptions options)
    {
        // After every architecture change the patience, cooldown, cycle best and smoothing start again.
        var next = s with
        {
            Phase = GrowthPhase.Grown,
            SinceChange = 0,
            ImprovedSinceChange = false,
            BadValidations = 0,
            CooldownLeft = options.Cooldown,
            Smoothed = null,
            CycleBest = null,
        };
        var low = learningRate is { } lr && lr < options.LowLearningRateThreshold;
        return new GrowthPlan(next, observed, GrowthAction.DendritesAdded, reason, message, value, capture, restore, low);
    }

    private static GrowthPlan Complete(GrowthPolicyState s, double value, bool capture, GrowthReason reason, string message) =>
        new(s with { Phase = GrowthPhase.Completed }, s, GrowthAction.Completed, reason, message, value, capture, RestoreBest: true, IsLearningRateLow: false);
}
