using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Saves a wrapped model to one file and loads it back onto a fresh, unwrapped model. The file is a zip archive with
/// <c>manifest.json</c> (library version, options, every wrapped layer's host and dendrite count, a SHA-256 of the
/// weights, extra state), <c>weights.safetensors</c> (every tensor of the model's state dict) and
/// <c>checksums.sha256</c> (the SHA-256 of both). Saves stream to disk and are atomic: an interrupted save leaves the
/// previous file intact. Files are untrusted input: loads are bounded by <see cref="CheckpointLoadOptions"/> and
/// verify integrity, dtypes and shapes before touching the model. See docs/checkpoints.md.
/// </summary>
public static partial class DendriteCheckpoint
{
    /// <summary>The manifest's <c>format</c> value.</summary>
    public static string FormatName => "dendritic-checkpoint";

    /// <summary>The format version this library writes, and the newest it reads.</summary>
    /// <remarks>
    /// Format 3 added <see cref="CheckpointManifest.FrozenBaseParameters"/> and <see cref="CheckpointManifest.Optimizer"/>;
    /// format 4, <see cref="CheckpointLayer.Dendrite"/> (a layer's own dendrite options); format 5,
    /// <see cref="CheckpointLayer.FrozenOutputScales"/> (which sets' output scale u trains, apart from which sets are frozen).
    /// </remarks>
    public static int FormatVersion => 5;

    /// <summary>The oldest format version this library reads (format 1, of pre-release builds, had no checksums).</summary>
    public static int OldestFormatVersion => 2;

    internal const string ManifestEntry = "manifest.json";
    internal const string WeightsEntry = "weights.safetensors";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The version of this library, as recorded in manifests.</summary>
    public static string LibraryVersion { get; } =
        typeof(DendriteCheckpoint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>
    /// Writes <paramref name="model"/> (structure, every weight, which base parameters are frozen) to
    /// <paramref name="path"/>, atomically, with the state of <paramref name="optimizer"/> when given.
    /// </summary>
    /// <param name="model">The wrapped model.</param>
    /// <param name="path">The file to write; replaced if it exists (a symlink is followed and stays a link; the file's
    /// Unix mode is kept). Its folder must exist.</param>
    /// <param name="extras">Extra state to store with it (for example a scheduler's), by key; none when null.</param>
    /// <param name="optimizer">
    /// The optimizer training <paramref name="model"/>, whose state (moments, step counts, learning rates) goes into
    /// the same file, so that it can never be paired with another save's weights; none when null. Read it back with
    /// <see cref="LoadOptimizerState"/>. It must hold only the model's parameters.
    /// </param>
    /// <remarks>
    /// This writes the model only. During a growth run (a <see cref="GrowthScheduler"/> on <paramref name="model"/> that
    /// has seen a score and not completed), save with <see cref="GrowthScheduler.SaveCheckpoint"/> instead, which adds
    /// the scheduler's state and its best model so that <see cref="GrowthScheduler.Resume"/> can continue the run; a
    /// save here then logs warning 1106 (after the write; nothing is thrown).
    /// </remarks>
    /// <returns>The manifest that was written.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable; the message names the target.</exception>
    /// <exception cref="InvalidOperationException">The model was unwrapped (<see cref="DendriticModel.Unwrap"/>): its dendrites are gone, so nothing is written; save the unwrapped model's own state dict, or wrap it again.</exception>
    /// <exception cref="ArgumentException"><paramref name="optimizer"/> keeps its state natively (TorchSharp saves only optimizers derived from <c>OptimizerHelper</c>), or holds a parameter that is not the model's, or one twice; nothing is written.</exception>
    public static CheckpointManifest Save(DendriticModel model, string path, IReadOnlyDictionary<string, string>? extras = null, optim.Optimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.ThrowIfUnwrapped();
        ArgumentException.ThrowIfNullOrEmpty(path);
        var manifest = SaveDescribed(model, path, extras, optimizer is null ? null : OptimizerStateEntry.Describe(model, optimizer));

        // After the write, so that a refused save says nothing: the file now holds a resume point's last-epoch weights
        // as if they were a result (GrowthScheduler.SaveCheckpoint goes through SaveDescribed and is not warned).
        ResumePointOrigin.WarnIfUnresumed(model, "Saving");
        WarnIfRunInProgress(model, path);
        return manifest;
    }

    /// <summary>
    /// Warning 1106 when <paramref name="model"/>'s growth scheduler has seen a score and not completed: the file just
    /// written holds no scheduler state and no best model, so it cannot resume the run
    /// (<see cref="GrowthScheduler.SaveCheckpoint"/> writes a resume point). Not thrown: saving the model as it is
    /// mid-run (to inspect or compare it) is legitimate.
    /// </summary>
    private static void WarnIfRunInProgress(DendriticModel model, string path)
    {
        if (model.Scheduler is { IsCompleted: false, Validations: > 0 } scheduler)
        {
            DendriticLog.RunningSchedulerNotSaved(model.Options.Logger, Path.GetFullPath(path), scheduler.Phase, scheduler.Validations);
        }
    }

    // Save, with the optimizer already described (and so checked): the scheduler checks it before it writes its best weights.
    internal static CheckpointManifest SaveDescribed(DendriticModel model, string path, IReadOnlyDictionary<string, string>? extras, OptimizerStateEntry.Described? described)
    {
        var target = AtomicFileWriter.ResolveTarget(path, "checkpoint");
        var state = model.Model.state_dict().Select(kv => (kv.Key, kv.Value)).ToList();
        var frozenBase = BaseTrainability.Frozen(model);
        CheckpointManifest? manifest = null;
        AtomicFileWriter.Write(target, "checkpoint", file => manifest = WriteArchive(file, state, described is null ? null : described.Write, (sha, bytes, optimizerState) =>
            ManifestOf(model, counts: null, frozenBase, sha, bytes, state.Count, optimizerState is { } written ? described!.Record(written.Sha256, written.Bytes) : null, extras)));

        if (model.Options.Logger.IsEnabled(LogLevel.Information))
        {
            // The full path as given (a symlink is not resolved), as event 1101 logs it on load.
            DendriticLog.CheckpointSaved(model.Options.Logger, Path.GetFullPath(path), state.Count, new FileInfo(target).Length);
        }

        return manifest!;
    }

    /// <summary>
    /// The manifest of a save of <paramref name="model"/>: its layers, hosts and options (a layer's own where they differ
    /// from the handle's), with the dendrite sets of
    /// <paramref name="counts"/> when given (a snapshot's, which may have fewer than the model now; only its sets'
    /// frozen flags are recorded), otherwise the model's own.
    /// </summary>
    private static CheckpointManifest ManifestOf(DendriticModel model, IReadOnlyDictionary<string, int>? counts, IReadOnlyList<string> frozenBase, string weightsSha, long weightsBytes, int tensorCount, CheckpointOptimizer? optimizer, IReadOnlyDictionary<string, string>? extras) => new()
    {
        LibraryVersion = LibraryVersion,
        CreatedUtc = DateTimeOffset.UtcNow,
        Dendrite = model.Options.Dendrite,
        Layers = model.Layers.Select(l =>
        {
            var sets = counts is null ? l.DendriteCount : counts[l.Name];
            return new CheckpointLayer
            {
                Name = l.Name,
                Mode = l.Mode,
                Host = l.Spec,
                DendriteCount = sets,
                Enabled = l.Enabled,
                FrozenSets = l.Branch.Sets.Where(s => s.Frozen && s.Index < sets).Select(s => s.Index).ToList(),
                FrozenOutputScales = l.Branch.Sets.Where(s => !s.OutputScale.requires_grad && s.Index < sets).Select(s => s.Index).ToList(),

                // Only an adopted model's layers can differ from the handle's options (Wrap gives every layer those).
                Dendrite = l.Branch.Options == model.Options.Dendrite ? null : l.Branch.Options,
            };
        }).ToList(),
        WeightsSha256 = weightsSha,
        WeightsBytes = weightsBytes,
        TensorCount = tensorCount,
        FrozenBaseParameters = frozenBase,
        Optimizer = optimizer,
        Extras = extras is null ? new Dictionary<string, string>() : new Dictionary<string, string>(extras),
    };

    /// <summary>Reads and checks only the manifest of a checkpoint: no weight is read, hashed or allocated.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="options">Bounds for reading; <see cref="CheckpointLoadOptions.Default"/> when null.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="InvalidOptionsException"><paramref name="options"/> are invalid (<see cref="CheckpointLoadOptions.Validate"/>); nothing is read.</exception>
    /// <exception cref="System.IO.FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="CheckpointCorruptedException">The file is truncated, corrupted, not a checkpoint, or exceeds a cap.</exception>
    public static CheckpointManifest ReadManifest(string path, CheckpointLoadOptions? options = null)
    {
        using var archive = CheckpointArchive.Open(path, options);
        return archive.Manifest;
    }

    /// <summary>
    /// Writes the archive (weights, the optimizer state when <paramref name="writeOptimizer"/> is given, manifest,
    /// checksums) to <paramref name="output"/>, streaming every tensor; the manifest is built once the SHA-256 and size
    /// of the weights and of the optimizer state (null without one) are known.
    /// </summary>
    internal static CheckpointManifest WriteArchive(Stream output, IReadOnlyList<(string Key, Tensor Tensor)> state, Action<Stream>? writeOptimizer, Func<string, long, (string Sha256, long Bytes)?, CheckpointManifest> manifestFor)
    {
        using var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        string weightsSha;
        long weightsBytes;
        using (var entry = archive.CreateEntry(WeightsEntry, CompressionLevel.NoCompression).Open())
        using (var digest = new DigestStream(entry, writing: true))
        {
            SafeTensorsFormat.Write(digest, state);
            weightsSha = digest.Sha256Hex();
            weightsBytes = digest.Count;
        }

        (string Sha256, long Bytes)? optimizerState = null;
        if (writeOptimizer is not null)
        {
            // Not compressed: moments are float noise to deflate, and the entry streams as the weights do.
            using var entry = archive.CreateEntry(OptimizerStateEntry.EntryName, CompressionLevel.NoCompression).Open();
            using var digest = new DigestStream(entry, writing: true);
            writeOptimizer(digest);
            optimizerState = (digest.Sha256Hex(), digest.Count);
        }

        var manifest = manifestFor(weightsSha, weightsBytes, optimizerState);
        var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, Json);
        using (var entry = archive.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
        {
            entry.Write(manifestBytes);
        }

        using (var entry = archive.CreateEntry(CheckpointArchive.ChecksumsEntry, CompressionLevel.NoCompression).Open())
        {
            var lines = $"{Convert.ToHexStringLower(SHA256.HashData(manifestBytes))}  {ManifestEntry}\n{weightsSha}  {manifest.WeightsFile}\n"
                + (optimizerState is { } written ? $"{written.Sha256}  {OptimizerStateEntry.EntryName}\n" : string.Empty);
            entry.Write(System.Text.Encoding.UTF8.GetBytes(lines));
        }

        return manifest;
    }
}
