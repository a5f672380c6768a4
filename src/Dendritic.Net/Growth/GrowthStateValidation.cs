using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using TorchSharp;

namespace Dendritic;

/// <summary>
/// Checks a <see cref="GrowthSchedulerState"/> read from JSON (a checkpoint's extras are a file from outside) for what
/// the serializer lets through: nulls inside lists, enum values no name stands for, negative counters, and numbers that
/// are not finite ("1e400" reads as infinity). <see cref="GrowthSchedulerState.ToJson"/> never writes any of them (Step refuses
/// non-finite scores and learning rates), so each is corruption; left in, they surfaced as a
/// <see cref="NullReferenceException"/> in Resume or as decisions taken against an infinite score.
/// </summary>
internal static class GrowthStateValidation
{
    // Stands in for the delegate checkpoints do not save, so that the recorded options of a cascade-correlation run
    // validate; never called.
    private static readonly Func<IEnumerable<torch.Tensor>> NoLosses = static () => [];

    /// <summary>
    /// Throws naming the first field that no scheduler writes. Enum fields need no check here: the reader
    /// (<see cref="ExactEnumNameConverter"/>) already refuses anything but one defined name.
    /// </summary>
    /// <exception cref="JsonException">A field is null inside a list, out of range, or not finite.</exception>
    public static void ThrowIfMalformed(GrowthSchedulerState state)
    {
        NonNegative(state.Validations, nameof(state.Validations));
        NonNegative(state.SinceChange, nameof(state.SinceChange));
        NonNegative(state.BadValidations, nameof(state.BadValidations));
        NonNegative(state.CooldownLeft, nameof(state.CooldownLeft));
        NonNegative(state.Retries, nameof(state.Retries));
        NonNegative(state.BestDendriteCount, nameof(state.BestDendriteCount));
        Finite(state.BestScore, nameof(state.BestScore));
        Finite(state.CycleBestScore, nameof(state.CycleBestScore));
        Finite(state.SmoothedScore, nameof(state.SmoothedScore));
        for (var i = 0; i < state.LayerDendrites.Count; i++)
        {
            NonNegative(state.LayerDendrites[i], Item(nameof(state.LayerDendrites), i));
        }

        for (var i = 0; i < state.FrozenSets.Count; i++)
        {
            NotNull(state.FrozenSets[i], Item(nameof(state.FrozenSets), i));
        }

        for (var i = 0; i < state.History.Count; i++)
        {
            Entry(state.History[i], Item(nameof(state.History), i));
        }
    }

    /// <summary>
    /// Throws naming the first field that contradicts another field or the recorded options: a version this library
    /// does not write, frozen flags that do not match the dendrite sets, validations without a best score, recorded
    /// options their own <see cref="GrowthOptions.Validate"/> refuses, and counters no run of those options reaches.
    /// Each passed <see cref="ThrowIfMalformed"/> and reached Resume, which blamed the caller's arguments
    /// (<see cref="ArgumentException"/>, <see cref="InvalidOptionsException"/>) for what is the file's corruption, or
    /// resumed a run that could never grow again (a cooldown of 2147483647) or whose next Step overflowed a counter.
    /// </summary>
    /// <exception cref="JsonException">A field contradicts another, or the recorded options.</exception>
    public static void ThrowIfInconsistent(GrowthSchedulerState state)
    {
        if (state.Version != 1)
        {
            Fail(nameof(state.Version), string.Create(CultureInfo.InvariantCulture, $"is {state.Version}; this library writes and reads version 1 only"));
        }

        // A Step refuses to count past this, so every state a scheduler writes reads back.
        if (state.Validations > GrowthPolicy.MaxValidations)
        {
            Fail(nameof(state.Validations), string.Create(CultureInfo.InvariantCulture, $"is {state.Validations}; a scheduler counts at most {GrowthPolicy.MaxValidations}"));
        }

        // Each validation adds at most one to either, and a growth resets both.
        AtMost(state.SinceChange, state.Validations, nameof(state.SinceChange), "Validations, the validations it counts a part of");
        AtMost(state.BadValidations, state.Validations, nameof(state.BadValidations), "Validations, one at most per validation");
        Structure(state);
        var options = state.Options;
        if (options is not null)
        {
            RecordedOptions(options);
            Counters(state, options);
        }

        // Without FirstScoreIsBest the first score is not a best, so a best exists only from the second validation on;
        // a state without recorded options is held to what holds either way.
        var unscored = options is null ? 1 : options.FirstScoreIsBest ? 0 : 1;
        if (state.Validations > unscored && state.BestScore is null)
        {
            Fail(nameof(state.BestScore), string.Create(CultureInfo.InvariantCulture, $"is null after {state.Validations} validations; every validation from the {(unscored == 0 ? "first" : "second")} on leaves a best score"));
        }
    }

    /// <summary>
    /// The value of <c>Options.BestWeights</c> in a state written while the storage of the best weights was an option
    /// of its own (<c>Memory</c> or <c>Disk</c>, besides <see cref="GrowthOptions.BestWeightsDirectory"/>, which a run
    /// with <c>Memory</c> ignored); null when the state has no such field. Called only for a state that parsed.
    /// </summary>
    /// <exception cref="JsonException">The field holds anything else.</exception>
    public static string? LegacyStorage(string json)
    {
        using var document = UntrustedText.ParseJson(System.Text.Encoding.UTF8.GetBytes(json), new JsonDocumentOptions { MaxDepth = 16 });
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty(nameof(GrowthSchedulerState.Options), out var options)
            || options.ValueKind != JsonValueKind.Object
            || !options.TryGetProperty("BestWeights", out var storage))
        {
            return null;
        }

        var value = UntrustedText.TryGetString(storage);
        if (value is not ("Memory" or "Disk"))
        {
            Fail("Options.BestWeights", $"is {UntrustedText.Excerpt(storage.GetRawText())}, not \"Memory\" or \"Disk\" (the storage of the best weights before BestWeightsDirectory alone chose it)");
        }

        return value;
    }

    private static void Entry(GrowthHistoryEntry? entry, string field)
    {
        NotNull(entry, field);
        NonNegative(entry!.Validation, field + "." + nameof(entry.Validation));
        Finite(entry.Score, field + "." + nameof(entry.Score));
        Finite(entry.SmoothedScore, field + "." + nameof(entry.SmoothedScore));
        Finite(entry.BestScore, field + "." + nameof(entry.BestScore));
        Finite(entry.LearningRate, field + "." + nameof(entry.LearningRate));
        NonNegative(entry.DendriteCount, field + "." + nameof(entry.DendriteCount));
        NonNegative(entry.ParameterCount, field + "." + nameof(entry.ParameterCount));
        Finite(entry.EpochSeconds, field + "." + nameof(entry.EpochSeconds));
        if (entry.LearningRate < 0 || entry.EpochSeconds < 0)
        {
            Fail(field, "holds a negative learning rate or epoch time");
        }

        for (var a = 0; a < (entry.Activations?.Count ?? 0); a++)
        {
            var layer = entry.Activations![a];
            var at = Item(field + "." + nameof(entry.Activations), a);
            NotNull(layer, at);
            NotNull(layer!.Layer, at + "." + nameof(layer.Layer));
            Finite(layer.MeanAbsActivation, at + "." + nameof(layer.MeanAbsActivation));
            Finite(layer.SaturatedFraction, at + "." + nameof(layer.SaturatedFraction));
            Finite(layer.MeanAbsOutputScale, at + "." + nameof(layer.MeanAbsOutputScale));
            Finite(layer.GradientNorm, at + "." + nameof(layer.GradientNorm));
        }
    }

    /// <summary>One list of frozen flags per wrapped layer, one flag per dendrite set of that layer.</summary>
    private static void Structure(GrowthSchedulerState state)
    {
        if (state.FrozenSets.Count != state.LayerDendrites.Count)
        {
            Fail(nameof(state.FrozenSets), string.Create(CultureInfo.InvariantCulture, $"has {state.FrozenSets.Count} list(s) of frozen flags but LayerDendrites has {state.LayerDendrites.Count} layer(s); there is one list per wrapped layer"));
        }

        for (var i = 0; i < state.FrozenSets.Count; i++)
        {
            if (state.FrozenSets[i].Count != state.LayerDendrites[i])
            {
                Fail(Item(nameof(state.FrozenSets), i), string.Create(CultureInfo.InvariantCulture, $"has {state.FrozenSets[i].Count} flag(s) but LayerDendrites[{i}] is {state.LayerDendrites[i]}; there is one flag per dendrite set"));
            }
        }
    }

    /// <summary>The recorded options pass their own validation; the delegate checkpoints never save is not asked for.</summary>
    private static void RecordedOptions(GrowthOptions options)
    {
        try
        {
            _ = (options with { CandidateLosses = options.CandidateLosses ?? NoLosses }).Validate();
        }
        catch (InvalidOptionsException e)
        {
            var first = e.Problems[0];
            var others = e.Problems.Count > 1 ? "; the recorded options also have " + string.Join("; ", e.Problems.Skip(1).Select(p => "Options." + p)) : string.Empty;
            Fail("Options." + first.Name, string.Create(CultureInfo.InvariantCulture, $"is {first.Value ?? "null"}, which no scheduler runs with: it {first.Rule}{others}"));
        }
    }

    /// <summary>
    /// The counters stay within what the recorded options let a run reach: a growth sets the cooldown to
    /// <see cref="GrowthOptions.Cooldown"/>, a retry past <see cref="GrowthOptions.MaxRetries"/> completes, and the trigger
    /// grows or completes as soon as the non-improving count reaches it.
    /// </summary>
    private static void Counters(GrowthSchedulerState state, GrowthOptions options)
    {
        AtMost(state.CooldownLeft, options.Cooldown, nameof(state.CooldownLeft), "Options.Cooldown, what a growth sets it to");
        AtMost(state.Retries, options.MaxRetries + 1L, nameof(state.Retries), "Options.MaxRetries + 1, the retry that completes the run");
        var (bad, why) = options.Trigger switch
        {
            GrowthTrigger.EveryN => ((long)options.Interval, "Options.Interval, at which the run grows or completes"),
            GrowthTrigger.EveryValidation => (1L, "1: the run grows or completes at every validation"),
            _ when options.PlateauAtPatience => (options.Patience, "Options.Patience, at which the plateau grows or completes the run"),
            _ => (options.Patience + 1L, "Options.Patience + 1, at which the plateau grows or completes the run"),
        };
        AtMost(state.BadValidations, bad, nameof(state.BadValidations), why);
    }

    private static void AtMost(long value, long most, string field, string why)
    {
        if (value > most)
        {
            Fail(field, string.Create(CultureInfo.InvariantCulture, $"is {value}, more than {most} ({why})"));
        }
    }

    private static string Item(string list, int index) => string.Create(CultureInfo.InvariantCulture, $"{list}[{index}]");

    private static void NotNull(object? value, string field)
    {
        if (value is null)
        {
            Fail(field, "is null");
        }
    }

    private static void NonNegative(long value, string field)
    {
        if (value < 0)
        {
            Fail(field, string.Create(CultureInfo.InvariantCulture, $"is {value}; a scheduler writes no negative count"));
        }
    }

    private static void Finite(double? value, string field)
    {
        if (value is { } v && !double.IsFinite(v))
        {
            Fail(field, "is not a finite number (a number too large for a double reads as infinity)");
        }
    }

    private static void Fail(string field, string problem) =>
        throw new JsonException($"The scheduler state's field '{field}' {problem}.");
}
