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

    public double? Best { get; set; }

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
    /// Whether <paramref name="value"/> beats the best by more than max(relative·|best|, absolute) in the options'
    /// direction (strictly, as in ReduceLROnPlateau and Keras), with the thresholds for <paramref name="dendrites"/> sets.
    /// </summary>
    public bool IsImprovement(double value, int dendrites)
    {
        if (Best is not { } best)
        {
            return true;
        }

        var (relative, absolute) = _options.ThresholdsAt(dendrites);
        var margin = Math.Max(relative * Math.Abs(best), absolute);
        return _options.Mode == ScoreMode.Maximize ? value > best + margin : value < best - margin;
    }

    /// <summary>Updates the counters for one score; returns whether it improved and whether it fell in the cooldown.</summary>
    public (bool Improved, bool InCooldown) Observe(double value, int dendrites)
    {
        var improved = IsImprovement(value, dendrites);
        if (improved)
        {
            Best = value;
            BadValidations = 0;
        }
        else
        {
            BadValidations++;
        }

        var inCooldown = CooldownLeft > 0;
        if (inCooldown)
        {
            CooldownLeft--;
            BadValidations = 0;
        }

        return (improved, inCooldown);
    }

    /// <summary>After an architecture change: counters reset, cooldown starts, smoothing re-seeds.</summary>
    public void Restart()
    {
        BadValidations = 0;
        CooldownLeft = _options.Cooldown;
        Smoothed = null;
    }
}
