using System;

namespace Dendritic;

/// <summary>
/// ReduceLROnPlateau's bookkeeping: the best score, the count of non-improving scores, the cooldown, and optional
/// exponential smoothing. Pure arithmetic; no model.
/// </summary>
internal sealed class PlateauTracker
{
    private readonly GrowthOptions _options;

    public PlateauTracker(GrowthOptions options) => _options = options;

    /// <summary>The global best score: a growth step is kept only if it beats this.</summary>
    public double? Best { get; set; }

    /// <summary>
    /// The best score since the start or the last architecture change; used only with
    /// <see cref="GrowthOptions.PatienceAgainstCycleBest"/>, where it is what patience is counted against.
    /// </summary>
    public double? CycleBest { get; set; }

    public double? Smoothed { get; set; }

    public int BadValidations { get; set; }

    public int CooldownLeft { get; set; }

    /// <summary>Smooths <paramref name="score"/>; the first score after a (re)seed is taken as it is.</summary>
    public double Smooth(double score)
    {
        var alpha = _options.Smoothing;
        Smoothed = Smoothed is { } previous && alpha > 0 ? (alpha * previous) + ((1 - alpha) * score) : score;
        return Smoothed.Value;
    }

    /// <summary>
    /// Whether <paramref name="value"/> beats <paramref name="reference"/> by more than max(relative·|reference|,
    /// absolute) in the options' direction (strictly, as in ReduceLROnPlateau and Keras), with the thresholds for
    /// <paramref name="dendrites"/> sets. Anything beats no reference.
    /// </summary>
    public bool Beats(double value, double? reference, int dendrites)
    {
        if (reference is not { } best)
        {
            return true;
        }

        var (relative, absolute) = _options.ThresholdsAt(dendrites);
        var margin = Math.Max(relative * Math.Abs(best), absolute);
        return _options.Mode == ScoreMode.Maximize ? value > best + margin : value < best - margin;
    }

    /// <summary>
    /// Updates the counters for one score; returns whether it beat the global best, whether it restarted the patience
    /// count (a global best, or with <see cref="GrowthOptions.PatienceAgainstCycleBest"/> a cycle best) and whether it
    /// fell in the cooldown.
    /// </summary>
    public (bool Improved, bool Counted, bool InCooldown) Observe(double value, int dendrites)
    {
        var improved = Beats(value, Best, dendrites);
        var counted = improved;
        if (improved)
        {
            Best = value;
        }

        if (_options.PatienceAgainstCycleBest)
        {
            if (improved || Beats(value, CycleBest, dendrites))
            {
                CycleBest = value;
                counted = true;
            }
        }

        BadValidations = counted ? 0 : BadValidations + 1;
        var inCooldown = CooldownLeft > 0;
        if (inCooldown)
        {
            CooldownLeft--;
            BadValidations = 0;
        }

        return (improved, counted, inCooldown);
    }

    /// <summary>Whether the count of non-improving validations triggers a plateau.</summary>
    public bool IsPlateau => _options.PlateauAtPatience ? BadValidations >= _options.Patience : BadValidations > _options.Patience;

    /// <summary>After an architecture change: counters and the cycle's best reset, cooldown starts, smoothing re-seeds.</summary>
    public void Restart()
    {
        BadValidations = 0;
        CooldownLeft = _options.Cooldown;
        Smoothed = null;
        CycleBest = null;
    }
}
