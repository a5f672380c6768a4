using System.Collections.Generic;
using System.Globalization;

namespace Dendritic.Experiments;

/// <summary>
/// The schedule of a <see cref="FixedEpochGrowth"/>: when dendrites are added, how many, and how long the arm trains.
/// Immutable (the list is copied when set); validated once by <see cref="Validate"/>, which the policy calls.
/// </summary>
/// <remarks>
/// <see cref="GrowAfterEpochs"/> and <see cref="MaxEpochs"/> are required: when to grow and how long to train belong to
/// the experiment (usually after the recipe's <see cref="TrainingRecipe.Epochs"/>, the baseline's budget, and that many
/// again or more), and no fixed default fits every recipe. So this record has no static <c>Default</c>, unlike the
/// harness's other options records; its other values have defaults.
/// </remarks>
public sealed record FixedEpochGrowthOptions
{
    /// <summary>
    /// Epochs (from 1, strictly increasing, each below <see cref="MaxEpochs"/>) after which dendrites are added; may be
    /// empty (the arm then trains the plain wrapped model). Required: typically <c>[Recipe.Epochs]</c>, growing once the
    /// baseline's budget is spent; earlier epochs grow dendrites while the host is still learning.
    /// </summary>
    public required IReadOnlyList<int> GrowAfterEpochs { get; init => field = ValueList<int>.CopyOf(value); }

    /// <summary>
    /// Epochs the dendritic arm trains in all (full passes over the training split); at least 1 and larger than every
    /// growth epoch. Required. The runner requires at least <see cref="TrainingRecipe.Epochs"/>, since the controls
    /// train as long as the dendritic arm.
    /// </summary>
    public required int MaxEpochs { get; init; }

    /// <summary>Dendrite sets added to each wrapped layer per growth step; at least 1. Default 1.</summary>
    public int SetsPerStep { get; init; } = 1;

    /// <summary>
    /// Whether the host weights stop training at the first growth step, so that only dendrites learn afterwards (as in
    /// cascade-correlation and Perforated AI's dendrite phase). Default false: everything keeps training.
    /// </summary>
    public bool FreezeHostOnGrowth { get; init; }

    /// <summary>Which layers get dendrites and how they compute. Default <see cref="HarnessWrapOptions.Default"/>.</summary>
    public HarnessWrapOptions Wrap { get; init; } = HarnessWrapOptions.Default;

    // The defaults of the optional values, read by the messages (the required ones are placeholders, never reported).
    private static FixedEpochGrowthOptions Defaults { get; } = new() { GrowAfterEpochs = [], MaxEpochs = 1 };

    /// <summary>Checks every value, and the nested <see cref="Wrap"/> options, and reports all invalid ones at once.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="InvalidOptionsException">One or more values are invalid; the exception lists each.</exception>
    public FixedEpochGrowthOptions Validate()
    {
        var check = new OptionsValidator(nameof(FixedEpochGrowthOptions));
        if (GrowAfterEpochs is null)
        {
            check.Require(false, nameof(GrowAfterEpochs), null, "must be set (required, no default: e.g. [ExperimentOptions.Recipe.Epochs], or empty for no growth)");
        }
        else
        {
            // An invalid MaxEpochs is reported as itself; the growth epochs are then checked against their floor only.
            // Each rule names the value to compare with, so that the message says which of the two to change.
            for (var i = 0; i < GrowAfterEpochs.Count; i++)
            {
                var epoch = GrowAfterEpochs[i];
                var name = string.Create(CultureInfo.InvariantCulture, $"{nameof(GrowAfterEpochs)}[{i}]");
                if (epoch < 1)
                {
                    check.Require(false, name, epoch, "must be at least 1: dendrites are added after an epoch, counted from 1");
                }
                else if (i > 0 && epoch <= GrowAfterEpochs[i - 1])
                {
                    check.Require(false, name, epoch, string.Create(CultureInfo.InvariantCulture, $"must be larger than GrowAfterEpochs[{i - 1}] ({GrowAfterEpochs[i - 1]}): growth epochs are strictly increasing"));
                }
                else
                {
                    check.Require(MaxEpochs < 1 || epoch < MaxEpochs, name, epoch, string.Create(CultureInfo.InvariantCulture, $"must be below MaxEpochs ({MaxEpochs}), so that the arm trains after growing: lower this epoch or raise MaxEpochs"));
                }
            }
        }

        check.Require(MaxEpochs >= 1, nameof(MaxEpochs), MaxEpochs, "must be at least 1 (required, no default: at least ExperimentOptions.Recipe.Epochs, e.g. twice that)");
        check.AtLeast(SetsPerStep, 1, nameof(SetsPerStep), Defaults.SetsPerStep);
        if (check.NotNull(Wrap, nameof(Wrap), "HarnessWrapOptions.Default"))
        {
            Wrap.Collect(check.Nested(nameof(Wrap)));
        }

        check.ThrowIfInvalid();
        return this;
    }
}
