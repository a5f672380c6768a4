using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// The settings of a <see cref="SchedulerGrowth"/>: the scheduler's rules, the arm's epoch cap and the wrap settings.
/// Immutable; validated once by <see cref="Validate"/>, which the policy calls, together with the harness's own rules
/// for <see cref="Growth"/>.
/// </summary>
public sealed record SchedulerGrowthOptions
{
    /// <summary>Every value at its default: the scheduler's defaults, at most 100 epochs, the default wrap settings.</summary>
    public static SchedulerGrowthOptions Default { get; } = new();

    /// <summary>
    /// The scheduler's rules. Default <see cref="GrowthOptions.Default"/>. Besides its own rules, the harness requires
    /// <see cref="GrowthOptions.Mode"/> <see cref="ScoreMode.Maximize"/> (the default: the harness scores by a
    /// higher-is-better validation metric), <see cref="GrowthOptions.LearningRateRestartFactor"/> null (every arm trains
    /// with the recipe's constant learning rate and the harness's own Adam, rebuilt after each architecture change) and
    /// <see cref="GrowthOptions.CandidateLosses"/> null (the harness gives cascade-correlation each run's training
    /// losses, <see cref="GrowthContext.TrainingLosses"/>).
    /// </summary>
    public GrowthOptions Growth { get; init; } = GrowthOptions.Default;

    /// <summary>
    /// Epochs after which the dendritic arm stops even if the scheduler has not completed (the report then says that the
    /// cap cut growth off); at least 1. The runner requires at least <see cref="TrainingRecipe.Epochs"/>. Default 100.
    /// </summary>
    public int MaxEpochs { get; init; } = 100;

    /// <summary>Which layers get dendrites and how they compute. Default <see cref="HarnessWrapOptions.Default"/>.</summary>
    public HarnessWrapOptions Wrap { get; init; } = HarnessWrapOptions.Default;

    /// <summary>
    /// Checks every value, the nested <see cref="Growth"/> (its own rules and the harness's) and <see cref="Wrap"/>
    /// options, and reports all invalid ones at once, nested ones as <c>Growth.Name</c> and <c>Wrap.Name</c>.
    /// </summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="InvalidOptionsException">One or more values are invalid; the exception lists each.</exception>
    public SchedulerGrowthOptions Validate()
    {
        var check = new OptionsValidator(nameof(SchedulerGrowthOptions));
        if (check.NotNull(Growth, nameof(Growth), "GrowthOptions.Default"))
        {
            var growth = check.Nested(nameof(Growth));

            // The three values the harness decides itself are reported once, by its rules below, not also by the
            // scheduler's (an undefined Mode, a negative restart factor); the candidate losses come per run (Begin).
            (Growth with { Mode = ScoreMode.Maximize, LearningRateRestartFactor = null, CandidateLosses = NoLosses }).Collect(growth);
            growth.Require(Growth.Mode == ScoreMode.Maximize, nameof(GrowthOptions.Mode), Growth.Mode, "must be Maximize: the harness passes a higher-is-better validation metric (default Maximize)");

            // The harness builds its own Adam at the recipe's constant rate for every arm (the controls included) and
            // never reads GrowthDecision.LearningRate: this option would be ignored without a word.
            growth.Require(Growth.LearningRateRestartFactor is null, nameof(GrowthOptions.LearningRateRestartFactor), Growth.LearningRateRestartFactor, "must be null: every arm trains at the recipe's constant learning rate (TrainingRecipe.LearningRate) (default null)");
            growth.Require(Growth.CandidateLosses is null, nameof(GrowthOptions.CandidateLosses), "a delegate", "must be null: the harness gives cascade-correlation each run's training losses (GrowthContext.TrainingLosses) (default null)");
        }

        check.AtLeast(MaxEpochs, 1, nameof(MaxEpochs), Default.MaxEpochs);
        if (check.NotNull(Wrap, nameof(Wrap), "HarnessWrapOptions.Default"))
        {
            Wrap.Collect(check.Nested(nameof(Wrap)));
        }

        check.ThrowIfInvalid();
        return this;
    }

    private static readonly Func<IEnumerable<Tensor>> NoLosses = Array.Empty<Tensor>;
}
