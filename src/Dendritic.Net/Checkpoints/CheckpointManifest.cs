using System;
using System.Collections.Generic;
using System.Linq;

namespace Dendritic;

/// <summary>
/// The <c>manifest.json</c> of a checkpoint: what wrote it, the dendrite options, every wrapped layer's host and
/// dendrite count, the weights file's integrity data, and extra state (for example the growth scheduler's).
/// </summary>
public sealed record CheckpointManifest
{
    /// <summary>The format's name, always <c>dendritic-checkpoint</c>.</summary>
    public string Format { get; init; } = DendriteCheckpoint.FormatName;

    /// <summary>The format version; this library reads versions up to <see cref="DendriteCheckpoint.FormatVersion"/>.</summary>
    public int FormatVersion { get; init; } = DendriteCheckpoint.FormatVersion;

    /// <summary>The Dendritic.Net version that wrote the file.</summary>
    public required string LibraryVersion { get; init; }

    /// <summary>When the file was written (UTC).</summary>
    public DateTimeOffset CreatedUtc { get; init; }

    /// <summary>
    /// The dendrite options of the wrapped model (its handle's <see cref="WrapOptions.Dendrite"/>): those of every layer
    /// whose <see cref="CheckpointLayer.Dendrite"/> is null. For an adopted model, the first layer's; a layer with other
    /// options records its own (format 4; a format-2 or 3 file recorded only these).
    /// </summary>
    public required DendriteOptions Dendrite { get; init; }

    /// <summary>Every wrapped layer, in model order.</summary>
    public required IReadOnlyList<CheckpointLayer> Layers { get; init; }

    /// <summary>Name of the weights entry in the archive (a safetensors file).</summary>
    public string WeightsFile { get; init; } = DendriteCheckpoint.WeightsEntry;

    /// <summary>SHA-256 of the weights entry, lower-case hex; checked on load.</summary>
    public required string WeightsSha256 { get; init; }

    /// <summary>Size of the weights entry in bytes.</summary>
    public required long WeightsBytes { get; init; }

    /// <summary>Number of tensors in the weights entry.</summary>
    public required int TensorCount { get; init; }

    /// <summary>
    /// The base-model parameters (every parameter that is not a dendrite's: the wrapped layers' hosts and the rest of
    /// the model) that did not require gradients when the model was saved, by state-dict key, in model order: what
    /// <see cref="DendriticModel.SetBaseTrainable"/> (or a <c>requires_grad</c> of your own) had frozen.
    /// <see cref="DendriteCheckpoint.Load"/> freezes them again and leaves every other base parameter trainable.
    /// Recorded from format 3 on; empty in format 2 files, whose base parameters all load trainable.
    /// </summary>
    public IReadOnlyList<string> FrozenBaseParameters { get; init; } = new List<string>();

    /// <summary>
    /// The optimizer state saved with the model (format 3; <see cref="DendriteCheckpoint.Save"/> or
    /// <see cref="GrowthScheduler.SaveCheckpoint"/> given an optimizer), or null when none was.
    /// </summary>
    public CheckpointOptimizer? Optimizer { get; init; }

    /// <summary>Extra state saved with the model, by key (for example <c>growth.scheduler</c>).</summary>
    public IReadOnlyDictionary<string, string> Extras { get; init; } = new Dictionary<string, string>();

    /// <summary>The dendrite options <paramref name="layer"/> was saved with: its own when recorded, else the manifest's.</summary>
    internal DendriteOptions DendriteOf(CheckpointLayer layer) => layer.Dendrite ?? Dendrite;

    /// <summary>The characters of the extras' keys and values: what bounds a second read of this manifest needs beyond the default.</summary>
    internal long ExtrasChars => ExtrasOrEmpty.Sum(e => (long)e.Key.Length + e.Value.Length);

    // Extras is never null as read (nullability is respected), but a manifest built in code may leave it so.
    private IReadOnlyDictionary<string, string> ExtrasOrEmpty => Extras ?? new Dictionary<string, string>();

    /// <summary>
    /// Whether <paramref name="other"/> was read from the same save as this manifest: the same time, weights, optimizer
    /// state and extras (a later save to the same path differs in the time at least).
    /// </summary>
    internal bool IsSameSaveAs(CheckpointManifest other) =>
        CreatedUtc == other.CreatedUtc
        && WeightsSha256 == other.WeightsSha256
        && Optimizer?.Sha256 == other.Optimizer?.Sha256
        && ExtrasOrEmpty.Count == other.ExtrasOrEmpty.Count
        && ExtrasOrEmpty.All(e => other.ExtrasOrEmpty.TryGetValue(e.Key, out var value) && value == e.Value);
}
