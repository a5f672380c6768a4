using System.Collections.Generic;
using System.Globalization;

namespace Dendritic.Experiments;

/// <summary>
/// The schedule of a <see cref="FixedEpochGrowth"/>: when dendrites are added, how many, and how long the arm trains.
/// Immutable (the list is copied when set); validated once by <see cref="Validate"/>, which the policy calls.
/// </summary>
public sealed record FixedEpochGrowthOptions
{
    /// <summary>
    /// Every value at its default: grow once after epoch 10 (the default <see cref="TrainingRecipe.Epochs"/>, so the
    /// baseline's budget) and train 10 more, 20 epochs in all.
    /// </summary>
    public static FixedEpochGrowthOptions Default { get; } = new();

    /// <summary>
    /// Epochs (from 1, strictly increasing, each below <see cref="MaxEpochs"/>) after which dendrites are added; may be
    /// empty (the arm then trains the plain wrapped model). Default 10.
    /// </summary>
    public IReadOnlyList<int> GrowAfterEpochs { get; init => field = ValueList<int>.CopyOf(value); } = ValueList<int>.CopyOf([10]);

    /// <summary>
    /// Epochs the dendritic arm trains in all (full passes over the training split); at least 1 and larger than every
    /// growth epoch. The runner requires at least <see cref="TrainingRecipe.Epochs"/>. Default 20.
    /// </summary>
    public int MaxEpochs { get; init; } = 20;

    /// <summary>Dendrite sets added to each wrapped layer per growth step; at least 1. Default 1.</summary>
    public int SetsPerStep { get; init; } = 1;

    /// <summary>
    /// Whether the host weights stop training at the first growth step, so that only dendrites learn afterwards (as in
    /// cascade-correlation and Perforated AI's dendrite phase). Default false: everything keeps training.
    /// </summary>
    public bool FreezeHostOnGrowth { get; init; }

    /// <summary>Which layers get dendrites and how they compute. Default <see cref="HarnessWrapOptions.Default"/>.</summary>
    public HarnessWrapOptions Wrap { get; init; } = HarnessWrapOptions.Default;

    /// <summary>Checks every value, and the nested <see cref="Wrap"/> options, and reports all invalid ones at once.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="InvalidOptionsException">One or more values are invalid; the exception lists each.</exception>
    public FixedEpochGrowthOptions Validate()
    {
        var check = new OptionsValidator(nameof(FixedEpochGrowthOptions));
        if (check.NotNull(GrowAfterEpochs, nameof(GrowAfterEpochs), "10"))
        {
            // An invalid MaxEpochs is reported as itself; the growth epochs are then checked against their floor only.
            var last = MaxEpochs >= 1 ? MaxEpochs - 1 : int.MaxValue;
            for (var i = 0; i < GrowAfterEpochs.Count; i++)
            {
                var epoch = GrowAfterEpochs[i];
                check.Require(
                    epoch >= 1 && epoch <= last && (i == 0 || epoch > GrowAfterEpochs[i - 1]),
                    string.Create(CultureInfo.InvariantCulture, $"{nameof(GrowAfterEpochs)}[{i}]"),
                    epoch,
                    MaxEpochs >= 1
                        ? string.Create(CultureInfo.InvariantCulture, $"growth epochs must be strictly increasing and lie in 1..{last}, before the last of MaxEpochs ({MaxEpochs}) (default 10)")
                        : "growth epochs must be strictly increasing and at least 1 (default 10)");
            }
        }

        check.AtLeast(MaxEpochs, 1, nameof(MaxEpochs), Default.MaxEpochs);
        check.AtLeast(SetsPerStep, 1, nameof(SetsPerStep), Default.SetsPerStep);
        if (check.NotNull(Wrap, nameof(Wrap), "HarnessWrapOptions.Default"))
        {
            Wrap.Collect(check.Nested(nameof(Wrap)));
        }

        check.ThrowIfInvalid();
        return this;
    }
}
