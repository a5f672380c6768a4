using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
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
    public const string FormatName = "dendritic-checkpoint";

    /// <summary>The format version this library writes, and the newest it reads.</summary>
    /// <remarks>Format 3 added <see cref="CheckpointManifest.FrozenBaseParameters"/> and <see cref="CheckpointManifest.Optimizer"/>.</remarks>
    public const int FormatVersion = 3;

    /// <summary>The oldest format version this library reads (format 1, of pre-release builds, had no checksums).</summary>
    public const int OldestFormatVersion = 2;

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
        return SaveDescribed(model, path, extras, optimizer is null ? null : OptimizerStateEntry.Describe(model, optimizer));
    }

    // Save, with the optimizer already described (and so checked): the scheduler checks it before it writes its best weights.
    internal static CheckpointManifest SaveDescribed(DendriticModel model, string path, IReadOnlyDictionary<string, string>? extras, OptimizerStateEntry.Described? described)
    {
        var target = AtomicFileWriter.ResolveTarget(path, "checkpoint");
        var state = model.Model.state_dict().Select(kv => (kv.Key, kv.Value)).ToList();
        var frozenBase = BaseTrainability.Frozen(model);
        CheckpointManifest? manifest = null;
        AtomicFileWriter.Write(target, "checkpoint", file => manifest = WriteArchive(file, state, described is null ? null : described.Write, (sha, bytes, optimizerState) => new CheckpointManifest
        {
            LibraryVersion = LibraryVersion,
            CreatedUtc = DateTimeOffset.UtcNow,
            Dendrite = model.Options.Dendrite,
            Layers = model.Layers.Select(l => new CheckpointLayer
            {
                Name = l.Name,
                Mode = l.Mode,
                Host = l.Spec,
                Dendrites = l.DendriteCount,
                Enabled = l.Enabled,
                FrozenSets = l.Dendrites.Sets.Where(s => s.Frozen).Select(s => s.Index).ToList(),
            }).ToList(),
            WeightsSha256 = sha,
            WeightsBytes = bytes,
            TensorCount = state.Count,
            FrozenBaseParameters = frozenBase,
            Optimizer = optimizerState is { } written ? described!.Record(written.Sha256, written.Bytes) : null,
            Extras = extras is null ? new Dictionary<string, string>() : new Dictionary<string, string>(extras),
        }));

        if (model.Options.Logger.IsEnabled(LogLevel.Information))
        {
            // The full path as given (a symlink is not resolved), as event 1101 logs it on load.
            DendriticLog.CheckpointSaved(model.Options.Logger, Path.GetFullPath(path), state.Count, new FileInfo(target).Length);
        }

        return manifest!;
    }

    /// <summary>Reads and checks only the manifest of a checkpoint: no weight is read, hashed or allocated.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="options">Bounds for reading; <see cref="CheckpointLoadOptions.Default"/> when null.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="CheckpointCorruptedException">The file is truncated, corrupted or not a checkpoint.</exception>
    public static CheckpointManifest ReadManifest(string path, CheckpointLoadOptions? options = null)
    {
        using var archive = CheckpointArchive.Open(path, options);
        return archive.Manifest;
    }

    /// <summary>
    /// Wraps <paramref name="freshModel"/> (a newly built, unwrapped model of the same architecture) exactly as the
    /// checkpoint records and loads every weight into it. A fresh model built with <see cref="DendriteLayer"/>s by hand
    /// is adopted (<see cref="Dendrites.Adopt"/>) instead, and its dendrite counts and weights set from the checkpoint. No manual replay of growth is needed. The file is read and
    /// verified completely before the model is touched.
    /// </summary>
    /// <param name="freshModel">The unwrapped model; it is changed in place.</param>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="logger">The new handle's logger (its <see cref="WrapOptions.Logger"/>); none when null.</param>
    /// <param name="sampleInput">Optional input for the wrapper's check pass (see <see cref="Dendrites.Wrap"/>).</param>
    /// <param name="options">Bounds for reading the file; <see cref="CheckpointLoadOptions.Default"/> when null.</param>
    /// <returns>The handle of the loaded model and the checkpoint's manifest (with its extra state).</returns>
    /// <exception cref="System.IO.FileNotFoundException">There is no file at <paramref name="path"/> (a .NET I/O error, not a <see cref="CheckpointException"/>).</exception>
    /// <exception cref="CheckpointCorruptedException">The file is truncated, corrupted, not a checkpoint, or exceeds a cap.</exception>
    /// <exception cref="CheckpointMismatchException">The model's architecture or a dtype differs; the message names the layer.</exception>
    /// <exception cref="DendriteWrapException">The model already has a handle (use <see cref="Restore"/>), or the model's forward pass threw on <paramref name="sampleInput"/> in the check pass (a wrong sample, or an error in the forward pass: the reason in the message, the exception inside; the model is left unwrapped). An <see cref="ArgumentNullException"/> from the forward pass passes through unchanged.</exception>
    public static LoadedCheckpoint Load(nn.Module freshModel, string path, ILogger? logger = null, Tensor? sampleInput = null, CheckpointLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(freshModel);
        if (Dendrites.HasHandle(freshModel))
        {
            throw new DendriteWrapException($"The model already has a handle (from Dendrites.Wrap or Dendrites.Adopt), so it is not a fresh model; load '{path}' into it with DendriteCheckpoint.Restore(handle, path), or build a fresh model.");
        }

        if (freshModel is DendriteLayer || freshModel.modules().Any(m => m is DendriteLayer))
        {
            return LoadAdopted(freshModel, path, logger, sampleInput, options);
        }

        using var archive = CheckpointArchive.Open(path, options);
        var moduleHosts = (options ?? CheckpointLoadOptions.Default).ModuleHosts;
        var manifest = archive.Manifest;
        var header = archive.ReadWeightsHeader();
        var modules = freshModel.named_modules().ToDictionary(m => m.Item1, m => m.Item2);
        foreach (var layer in manifest.Layers)
        {
            if (!modules.TryGetValue(layer.Name, out var module))
            {
                throw new CheckpointMismatchException(layer.Name, $"Checkpoint '{path}' has dendrites on layer '{layer.Name}', which the model does not have. Layers that can carry dendrites: {LayerSelector.FormatNames(modules.Where(m => HostLayerSpec.IsSupported(m.Value)).Select(m => m.Key).ToList())}.");
            }

            HostLayerSpec? spec;
            try
            {
                spec = HostLayerSpec.IsSupported(module) ? HostLayerSpec.From(module, layer.Name)
                    : ModuleHost.Find(module, moduleHosts) is { } moduleHost ? HostLayerSpec.ForModule(module, moduleHost.NeuronsOf(module), moduleHost.NeuronAxis)
                    : null;
            }
            catch (UnsupportedHostException e)
            {
                throw new CheckpointMismatchException(layer.Name, $"Checkpoint '{path}' has dendrites on layer '{layer.Name}', which cannot carry them in this model: {e.Message}");
            }

            if (spec is null && layer.Host.Kind == HostKind.Module && layer.Host.ModuleType == module.GetType().Name)
            {
                // The same module type, but no host covers it here: the save was wrapped with a custom ModuleHost.
                throw new CheckpointMismatchException(layer.Name, $"Layer '{layer.Name}' ({module.GetType().Name}) carried dendrites as a whole through a module host when checkpoint '{path}' was saved, and no module host covers it here. Pass the same host to the load: CheckpointLoadOptions.ModuleHosts = new[] {{ ModuleHost.For<{module.GetType().Name}>(...) }}, as WrapOptions.ModuleHosts had it.");
            }

            if (spec is null || !spec.SameAs(layer.Host))
            {
                throw new CheckpointMismatchException(layer.Name, $"Layer '{layer.Name}' differs: the checkpoint '{path}' has {layer.Host}, the model has {(spec?.ToString() ?? module.GetType().Name)}. Build the model with the same architecture as the one saved.");
            }
        }

        CheckpointFit.DendritesFitWeights(manifest, header, path);
        Dictionary<string, Tensor>? tensors = null;
        try
        {
            var names = manifest.Layers.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
            var wrapOptions = new WrapOptions
            {
                Targets = LayerSelector.Where((p, _) => names.Contains(p), "the checkpoint's layers"),
                InitialDendrites = 0,
                Dendrite = manifest.Dendrite,
                ModuleHosts = moduleHosts,
                Logger = logger ?? NullLogger.Instance,
            };
            var handle = Dendrites.Wrap(freshModel, wrapOptions);
            try
            {
                // Checked from the header before a tensor is read: a file that does not fit costs no memory.
                CheckpointFit.TensorsFitModel(handle, manifest, header, path);
                BaseTrainability.ThrowIfUnknown(handle, manifest, path);
                tensors = archive.ReadTensors(header);
                Apply(handle, manifest, tensors, path);
                BaseTrainability.Apply(handle, manifest);
                if (sampleInput is not null)
                {
                    var typed = freshModel as nn.Module<Tensor, Tensor> ?? throw new ArgumentException("A sample input needs a Module<Tensor, Tensor> model.", nameof(sampleInput));
                    SampleCheck.Run(handle, typed, sampleInput, "the model is left unwrapped");
                }
            }
            catch
            {
                handle.Unwrap();
                throw;
            }

            LogLoaded(wrapOptions.Logger, path, manifest);
            return new LoadedCheckpoint(handle, manifest);
        }
        finally
        {
            if (tensors is not null)
            {
                SafeTensorsFormat.Dispose(tensors);
            }
        }
    }

    /// <summary>
    /// Load for a fresh model built with <see cref="DendriteLayer"/>s by hand: adopts it and restores the checkpoint
    /// into the handle. On failure the handle is dropped without touching the model's structure.
    /// </summary>
    private static LoadedCheckpoint LoadAdopted(nn.Module freshModel, string path, ILogger? logger, Tensor? sampleInput, CheckpointLoadOptions? options)
    {
        var handle = Dendrites.Adopt(freshModel, new AdoptOptions { Logger = logger ?? NullLogger.Instance });
        try
        {
            var manifest = RestoreInto(handle, path, options, baseTrainability: true);
            if (sampleInput is not null)
            {
                var typed = freshModel as nn.Module<Tensor, Tensor> ?? throw new ArgumentException("A sample input needs a Module<Tensor, Tensor> model.", nameof(sampleInput));
                SampleCheck.Run(handle, typed, sampleInput, "the model has no handle (its weights are the checkpoint's)");
            }

            LogLoaded(handle.Options.Logger, path, manifest);
            return new LoadedCheckpoint(handle, manifest);
        }
        catch
        {
            Dendrites.Forget(freshModel);
            throw;
        }
    }

    /// <summary>
    /// Loads a checkpoint into a model that is already wrapped (for example to go back to the best weights kept on
    /// disk): dendrite counts are adjusted to the checkpoint's, then every weight is copied in. The file is read and
    /// verified completely, and checked against the model (hosts, keys, shapes and dtypes), before the model is touched:
    /// a checkpoint that does not fit leaves it as it was. Which base parameters train is left as it is (a setting of
    /// the run in progress; <see cref="Load"/> sets it from the file, <see cref="CheckpointManifest.FrozenBaseParameters"/>).
    /// </summary>
    /// <param name="model">The wrapped model, with the same wrapped layers as the checkpoint.</param>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="options">Bounds for reading the file; <see cref="CheckpointLoadOptions.Default"/> when null.</param>
    /// <returns>The checkpoint's manifest (with its extra state).</returns>
    /// <exception cref="System.IO.FileNotFoundException">There is no file at <paramref name="path"/> (a .NET I/O error, not a <see cref="CheckpointException"/>).</exception>
    /// <exception cref="CheckpointCorruptedException">The file is truncated, corrupted, not a checkpoint, or exceeds a cap.</exception>
    /// <exception cref="CheckpointMismatchException">The wrapped layers, a shape or a dtype differ.</exception>
    /// <exception cref="InvalidOperationException">The model was unwrapped (<see cref="DendriticModel.Unwrap"/>); load the checkpoint onto a fresh model with <see cref="Load"/> instead.</exception>
    public static CheckpointManifest Restore(DendriticModel model, string path, CheckpointLoadOptions? options = null) =>
        RestoreInto(model, path, options, baseTrainability: false);

    /// <summary><see cref="Restore(DendriticModel, string, CheckpointLoadOptions?)"/>, setting which base parameters train as the file records when <paramref name="baseTrainability"/> (a load of a fresh model).</summary>
    private static CheckpointManifest RestoreInto(DendriticModel model, string path, CheckpointLoadOptions? options, bool baseTrainability)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.ThrowIfUnwrapped();
        using var archive = CheckpointArchive.Open(path, options);
        var manifest = archive.Manifest;
        var header = archive.ReadWeightsHeader();
        var recorded = manifest.Layers.Select(l => l.Name).OrderBy(n => n, StringComparer.Ordinal);
        var current = model.Layers.Select(l => l.Name).OrderBy(n => n, StringComparer.Ordinal);
        if (!recorded.SequenceEqual(current))
        {
            throw new CheckpointMismatchException($"Checkpoint '{path}' has dendrites on [{string.Join(", ", recorded)}] but the model on [{string.Join(", ", current)}].");
        }

        CheckpointFit.SameHosts(model, manifest, path);
        CheckpointFit.DendritesFitWeights(manifest, header, path);
        CheckpointFit.TensorsFitModel(model, manifest, header, path);
        if (baseTrainability)
        {
            BaseTrainability.ThrowIfUnknown(model, manifest, path);
        }

        var tensors = archive.ReadTensors(header);
        try
        {
            Apply(model, manifest, tensors, path);
            if (baseTrainability)
            {
                BaseTrainability.Apply(model, manifest);
            }

            return manifest;
        }
        finally
        {
            SafeTensorsFormat.Dispose(tensors);
        }
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

    /// <summary>Event 1101, with the full path (as 1100 has it) and the dendrite sets restored, per layer when they differ.</summary>
    private static void LogLoaded(ILogger logger, string path, CheckpointManifest manifest)
    {
        if (!logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var counts = manifest.Layers.Select(l => l.Dendrites).Distinct().ToList();
        var sets = counts.Count <= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{counts.FirstOrDefault()} dendrite set(s) per layer")
            : "dendrite sets " + string.Join(", ", manifest.Layers.Select(l => string.Create(CultureInfo.InvariantCulture, $"{(l.Name.Length == 0 ? "(model)" : l.Name)}: {l.Dendrites}")));
        DendriticLog.CheckpointLoaded(logger, Path.GetFullPath(path), UntrustedText.Excerpt(manifest.LibraryVersion), manifest.Layers.Count, sets);
    }

    private static void Apply(DendriticModel model, CheckpointManifest manifest, Dictionary<string, Tensor> tensors, string path)
    {
        StateLayout.Resize(model.Layers.Select(l => l.Attachment).ToList(), manifest.Layers.ToDictionary(l => l.Name, l => l.Dendrites, StringComparer.Ordinal));
        foreach (var layer in manifest.Layers)
        {
            var wrapped = model.Layers.First(l => l.Name == layer.Name);
            wrapped.Enabled = layer.Enabled;
            foreach (var set in wrapped.Dendrites.Sets)
            {
                set.Frozen = layer.FrozenSets.Contains(set.Index);
            }
        }

        // Checked before the change too (CheckpointFit.TensorsFitModel); checked again on what the model now holds, so
        // that copy_ can never convert a dtype or broadcast a shape if the two ever disagreed.
        var state = model.Model.state_dict();
        CheckpointFit.ThrowIfDiffers(StateLayout.Of(state), StateLayout.Of(tensors), path);

        using (no_grad())
        {
            foreach (var (key, tensor) in state)
            {
                tensor.copy_(tensors[key]);
            }
        }
    }
}
