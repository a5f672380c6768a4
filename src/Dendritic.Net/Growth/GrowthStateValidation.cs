using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

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
