using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Dendritic;

/// <summary>
/// Everything the <see cref="GrowthScheduler"/> needs to carry on exactly where it stopped: counters, scores, phase,
/// per-layer structure and history. A read-only snapshot: only the library makes one, stored in checkpoints by
/// <see cref="GrowthScheduler.SaveCheckpoint"/> and continued by <see cref="GrowthScheduler.Resume"/>; read it for
/// inspection with <see cref="FromCheckpoint(LoadedCheckpoint)"/> or <see cref="GrowthScheduler.ExportState"/>. Its
/// lists cannot be changed (not even through a cast), so what is read is what the run recorded.
/// </summary>
public sealed class GrowthSchedulerState
{
    /// <summary>
    /// Made by the scheduler (<see cref="GrowthScheduler.ExportState"/>) and by the checkpoint reader only; the reader sets
    /// the properties through their internal init accessors, which <see cref="JsonIncludeAttribute"/> opens to it.
    /// </summary>
    [JsonConstructor]
    internal GrowthSchedulerState()
    {
    }

    /// <summary>Format version of this object; 1.</summary>
    [JsonInclude]
    public int Version { get; internal init; } = 1;

    /// <summary>Validation calls so far.</summary>
    [JsonInclude]
    public int Validations { get; internal init; }

    /// <summary>Validation calls since the start or the last architecture change.</summary>
    [JsonInclude]
    public int SinceChange { get; internal init; }

    /// <summary>Non-improving validations counted against the patience.</summary>
    [JsonInclude]
    public int BadValidations { get; internal init; }

    /// <summary>Cooldown validations left.</summary>
    [JsonInclude]
    public int CooldownLeft { get; internal init; }

    /// <summary>Failed attempts of the current growth step.</summary>
    [JsonInclude]
    public int Retries { get; internal init; }

    /// <summary>Whether the best score improved since the last architecture change.</summary>
    [JsonInclude]
    public bool ImprovedSinceChange { get; internal init; }

    /// <summary>The best (smoothed) score; null before the first call.</summary>
    [JsonInclude]
    public double? BestScore { get; internal init; }

    /// <summary>The best (smoothed) score of the current cycle (with <see cref="GrowthOptions.PatienceAgainstCycleBest"/>); null when the next score starts it.</summary>
    [JsonInclude]
    public double? CycleBestScore { get; internal init; }

    /// <summary>The current smoothed score; null when the next score re-seeds it.</summary>
    [JsonInclude]
    public double? SmoothedScore { get; internal init; }

    /// <summary>Dendrite sets per layer when the best weights were captured.</summary>
    [JsonInclude]
    public int BestDendriteCount { get; internal init; }

    /// <summary>Phase.</summary>
    [JsonInclude]
    public GrowthPhase Phase { get; internal init; }

    /// <summary>Dendrite sets of each wrapped layer, in layer order.</summary>
    [JsonInclude]
    public IReadOnlyList<int> LayerDendrites { get; internal init => field = ReadOnly(value); } = [];

    /// <summary>For each wrapped layer, the frozen flag of each dendrite set (cascade-correlation freezes them).</summary>
    [JsonInclude]
    public IReadOnlyList<IReadOnlyList<bool>> FrozenSets
    {
        get;
        internal init => field = value is null ? null! : ReadOnly(value.Select(ReadOnly).ToList());
    } = [];

    /// <summary>
    /// The options the scheduler ran with (without its delegates); null in states written before they were recorded.
    /// <see cref="GrowthScheduler.Resume"/> uses them when given no options, and refuses options that differ.
    /// </summary>
    /// <remarks>
    /// States written while the storage of the best weights was a separate option (<c>BestWeights</c>, <c>Memory</c> or
    /// <c>Disk</c>) read too: with <c>Memory</c> their run ignored <see cref="GrowthOptions.BestWeightsDirectory"/>, which
    /// is then read as null.
    /// </remarks>
    [JsonInclude]
    public GrowthOptions? Options
    {
        get => _options;
        internal init => _options = value;
    }

    /// <summary>The history rows, oldest first (as <see cref="GrowthHistory.Entries"/> held them).</summary>
    [JsonInclude]
    public IReadOnlyList<GrowthHistoryEntry> History { get; internal init => field = ReadOnly(value); } = [];

    /// <summary>
    /// The SHA-256 (64 lower-case hex digits) of the best-weights file that <see cref="GrowthScheduler.SaveCheckpoint"/>
    /// wrote beside the checkpoint, over every byte of the file (what <c>sha256sum</c> prints). <see cref="GrowthScheduler.Resume"/>
    /// takes only a file with this digest and <see cref="BestWeightsBytes"/> as the checkpoint's best weights. Null in
    /// states from <see cref="GrowthScheduler.ExportState"/>, in checkpoints saved before the first score (there are no
    /// best weights yet) and in checkpoints of versions that did not record it (their file is taken unchecked).
    /// </summary>
    [JsonInclude]
    public string? BestWeightsSha256 { get; internal init; }

    /// <summary>The size in bytes of the best-weights file of <see cref="BestWeightsSha256"/>; null when that is null.</summary>
    [JsonInclude]
    public long? BestWeightsBytes { get; internal init; }

    // Set once, by the initializer or the JSON reader; FromJson reads an older state's storage into it (LegacyStorage).
    private GrowthOptions? _options;

    /// <summary>A copy that no cast turns back into a list to add to; null stays null (for the reader's checks to name it).</summary>
    private static ReadOnlyCollection<T> ReadOnly<T>(IReadOnlyList<T> list) => list is null ? null! : Array.AsReadOnly(list.ToArray());

    /// <summary>
    /// This state as the JSON text that <see cref="GrowthScheduler.SaveCheckpoint"/> stores in a checkpoint's extras (the
    /// checkpoint format: names and shapes do not change between versions). Internal: the state reaches users through
    /// checkpoints, and reads back through <see cref="FromCheckpoint(LoadedCheckpoint)"/>.
    /// </summary>
    /// <returns>Indented JSON with enum names as strings.</returns>
    internal string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>
    /// Reads a state written by <see cref="ToJson"/>. The text is checked as untrusted input: no key twice, no key this
    /// library does not write (but <c>Options.BestWeights</c>, see <see cref="Options"/>), each enum as exactly one of
    /// its names (not a number, another case or several names joined by commas), no null where a value or a list item
    /// belongs, no negative counter, every number finite; and as a whole: version 1, one frozen flag per dendrite set,
    /// a best score once validations have scored, recorded options that pass <see cref="GrowthOptions.Validate"/> (but
    /// for the <see cref="GrowthOptions.CandidateLosses"/> no state holds), and counters no larger than a run of those
    /// options reaches. Internal: <see cref="FromCheckpoint(CheckpointManifest)"/> is the public way in, and reports all
    /// of this as the checkpoint's corruption.
    /// </summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The state.</returns>
    /// <exception cref="JsonException">The text is not a scheduler state, or holds a value or a field no scheduler writes (the message names the field, such as <c>History[0].Reason</c>, and its value).</exception>
    internal static GrowthSchedulerState FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        GrowthSchedulerState state;
        try
        {
            state = JsonSerializer.Deserialize<GrowthSchedulerState>(json, ReadOptions) ?? throw new JsonException("The JSON text holds no scheduler state (it is 'null').");
        }
        catch (JsonException e) when (e.Path is ['$', '.', .. var field])
        {
            // The reader's own messages name the field only at their end, if at all (an enum converter's never).
            throw new JsonException($"The scheduler state's field '{UntrustedText.Name(field)}' is not readable: {UntrustedText.Message(e.Message)}", e.Path, e.LineNumber, e.BytePositionInLine, e);
        }

        GrowthStateValidation.ThrowIfMalformed(state);
        // Checked whenever options were read, with or without a directory: a value no version wrote is corruption even
        // where it would change nothing.
        if (state._options is { } options && GrowthStateValidation.LegacyStorage(json) == "Memory" && options.BestWeightsDirectory is not null)
        {
            state._options = options with { BestWeightsDirectory = null };
        }

        // After the directory above: a blank one that the former Memory storage ignored is not an invalid option.
        GrowthStateValidation.ThrowIfInconsistent(state);
        return state;
    }

    /// <summary>
    /// Reads the scheduler state that <see cref="GrowthScheduler.SaveCheckpoint"/> stored in a checkpoint (under
    /// <see cref="GrowthScheduler.StateExtrasKey"/>). Its <see cref="Options"/> are the run's, without the delegates that
    /// checkpoints do not save, so a cascade-correlation run resumes with
    /// <c>GrowthScheduler.Resume(loaded, GrowthSchedulerState.FromCheckpoint(loaded)!.Options! with { CandidateLosses = ... })</c>.
    /// </summary>
    /// <param name="checkpoint">What <see cref="DendriteCheckpoint.Load"/> returned.</param>
    /// <returns>A fresh copy of the state; null when the checkpoint holds none (it was written by <see cref="DendriteCheckpoint.Save"/>, not <see cref="GrowthScheduler.SaveCheckpoint"/>).</returns>
    /// <exception cref="CheckpointCorruptedException">
    /// The stored state is not one a scheduler writes (the manifest was edited or written by other code): a key given
    /// twice or that no version writes, an enum value that is not exactly one of its names, a null where a value
    /// belongs, a negative counter, a number that is not finite, a version other than 1, frozen flags that do not match
    /// the dendrite sets, validations without a best score, recorded options their own <see cref="GrowthOptions.Validate"/>
    /// refuses, or a counter beyond what those options allow. The message names the file, the field and its value.
    /// </exception>
    public static GrowthSchedulerState? FromCheckpoint(LoadedCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return FromCheckpoint(checkpoint.Manifest, checkpoint.Path);
    }

    /// <summary>
    /// Reads the scheduler state from a checkpoint's manifest, for example from <see cref="DendriteCheckpoint.ReadManifest"/>
    /// before the model is loaded (as <c>DistributedGrowthScheduler.Resume</c> needs its options first); see
    /// <see cref="FromCheckpoint(LoadedCheckpoint)"/>.
    /// </summary>
    /// <param name="manifest">The checkpoint's manifest.</param>
    /// <returns>A fresh copy of the state; null when the checkpoint holds none.</returns>
    /// <exception cref="CheckpointCorruptedException">The stored state is not one a scheduler writes (see <see cref="FromCheckpoint(LoadedCheckpoint)"/>); the message names the field and its value.</exception>
    public static GrowthSchedulerState? FromCheckpoint(CheckpointManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return FromCheckpoint(manifest, null);
    }

    /// <summary><see cref="FromCheckpoint(CheckpointManifest)"/>, naming <paramref name="path"/>, the file the manifest was read from, when known.</summary>
    /// <exception cref="CheckpointCorruptedException">The stored state is not a scheduler state <see cref="FromJson"/> reads.</exception>
    internal static GrowthSchedulerState? FromCheckpoint(CheckpointManifest manifest, string? path)
    {
        if (manifest.Extras is null || !manifest.Extras.TryGetValue(GrowthScheduler.StateExtrasKey, out var json))
        {
            return null;
        }

        try
        {
            return FromJson(json);
        }
        catch (JsonException e)
        {
            var checkpoint = path is null ? "The checkpoint's" : $"Checkpoint '{path}' is corrupted: its";
            throw new CheckpointCorruptedException($"{checkpoint} '{GrowthScheduler.StateExtrasKey}' extra is not a scheduler state GrowthScheduler.SaveCheckpoint wrote ({UntrustedText.Message(e.Message)}); the checkpoint's manifest was edited or written by other code. Resume from another checkpoint, or start a new run.", e);
        }
    }

    internal static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    // Reading is stricter than writing needs: the text may come from a checkpoint someone else wrote. Every state was
    // written with enum names (JsonOptions), never with a key twice, a key of no property (as the manifest's reader,
    // which refuses them too) or a null in a non-nullable property.
    private static JsonSerializerOptions ReadOptions { get; } = new()
    {
        Converters = { new ExactEnumNameConverter() },
        AllowDuplicateProperties = false,
        RespectNullableAnnotations = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { KnowFormerFields } },
        MaxDepth = 16,
    };

    /// <summary>
    /// Makes the fields that earlier versions wrote and this one no longer has known to the reader, so that refusing
    /// unknown fields does not refuse their states: <c>Options.BestWeights</c> (the storage of the best weights before
    /// <see cref="GrowthOptions.BestWeightsDirectory"/> alone chose it), whose value
    /// <see cref="GrowthStateValidation.LegacyStorage"/> reads and checks from the text. The other renamed fields kept
    /// their names in the file (<c>LowLearningRateWarning</c>, <c>DendriteSets</c>).
    /// </summary>
    private static void KnowFormerFields(JsonTypeInfo type)
    {
        if (type.Type == typeof(GrowthOptions))
        {
            var storage = type.CreateJsonPropertyInfo(typeof(JsonElement), "BestWeights");
            storage.Set = static (_, _) => { };
            type.Properties.Add(storage);
        }
    }
}
