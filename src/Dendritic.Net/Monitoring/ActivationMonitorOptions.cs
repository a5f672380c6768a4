using System;

namespace Dendritic;

/// <summary>How an <see cref="ActivationMonitor"/> judges what it measures. Immutable; validated when the monitor starts.</summary>
public sealed record ActivationMonitorOptions
{
    /// <summary>
    /// The share of a layer's dendrite outputs that may be saturated (see <see cref="LayerActivationStats.SaturatedFraction"/>)
    /// before <see cref="ActivationMonitor.Collect"/> logs a warning (event 1200) for that layer. Between 0 and 1;
    /// 1 never warns. Default 0.5: when most of a layer's dendrites sit on the flat ends of their nonlinearity they
    /// pass almost no gradient back to their weights, so they stop learning.
    /// </summary>
    public double SaturationWarningLevel { get; init; } = 0.5;

    /// <summary>The options a monitor gets unless told otherwise.</summary>
    public static ActivationMonitorOptions Default { get; } = new();

    /// <summary>Checks every value and reports all invalid ones at once.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="InvalidOptionsException">A value is invalid; the exception lists each.</exception>
    public ActivationMonitorOptions Validate()
    {
        var check = new OptionsValidator(nameof(ActivationMonitorOptions));
        check.Require(
            double.IsFinite(SaturationWarningLevel) && SaturationWarningLevel >= 0 && SaturationWarningLevel <= 1,
            nameof(SaturationWarningLevel),
            SaturationWarningLevel,
            FormattableString.Invariant($"must be a share between 0 and 1 (default {Default.SaturationWarningLevel})"));
        check.ThrowIfInvalid();
        return this;
    }
}
