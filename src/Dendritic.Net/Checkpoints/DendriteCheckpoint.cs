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
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Saves a wrapped model to one file and loads it back onto a fresh, unwrapped model. The file is a zip archive with
/// <c>manifest.json</c> (library version, options, every wrapped layer's host and dendrite count, a SHA-256 of the
/// weights, extra state) and <c>weights.safetensors</c> (every tensor of the model's state dict). Writes are atomic:
/// an interrupted save leaves the previous file intact. Loads verify integrity and shapes before touching the model.
/// See docs/checkpoints.md.
/// </summary>
public static class DendriteCheckpoint
{
    /// <summary>The manifest's <c>format</c> value.</summary>
    public const string FormatName = "dendritic-checkpoint";

    /// <summary>The newest format version this library writes and reads.</summary>
    public const int FormatVersion = 1;

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

    /// <summary>Writes <paramref name="model"/> (structure and every weight) to <paramref name="path"/>, atomically.</summary>
    /// <param name="model">The wrapped model.</param>
    /// <param name="path">The file to write; replaced if it exists. Its folder must exist.</param>
    /// <param name="extras">Extra state to store with it (for example a scheduler's), by key; none when null.</param>
    /// <returns>The manifest that was written.</returns>
    public static CheckpointManifest Save(DendriticModel model, string path, IReadOnlyDictionary<string, string>? extras = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Cannot save checkpoint '{path}': folder '{folder}' does not exist.");
        }

        byte[] weights;
        var state = model.Model.state_dict().Select(kv => (kv.Key, kv.Value)).ToList();
        using (var buffer = new MemoryStream())
        {
            SafeTensorsFormat.Write(buffer, state);
            weights = buffer.ToArray();
        }

        var manifest = new CheckpointManifest
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
            WeightsSha256 = Convert.ToHexStringLower(SHA256.HashData(weights)),
            WeightsBytes = weights.LongLength,
            TensorCount = state.Count,
            Extras = extras is null ? new Dictionary<string, string>() : new Dictionary<string, string>(extras),
        };

        // Same folder as the target, so the final rename is atomic on every file system we support.
        var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                using (var archive = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
                {
                    using (var entry = archive.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
                    {
                        JsonSerializer.Serialize(entry, manifest, Json);
                    }

                    using (var entry = archive.CreateEntry(WeightsEntry, CompressionLevel.NoCompression).Open())
                    {
                        entry.Write(weights);
                    }
                }

                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        if (model.Options.Logger.IsEnabled(LogLevel.Information))
        {
            DendriticLog.CheckpointSaved(model.Options.Logger, full, state.Count, new FileInfo(full).Length);
        }
        return manifest;
    }

    /// <summary>Reads and checks only the manifest of a checkpoint.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="CheckpointCorruptedException">The file is truncated, corrupted or not a checkpoint.</exception>
    public static CheckpointManifest ReadManifest(string path) => Open(path).Manifest;

    /// <summary>
    /// Wraps <paramref name="freshModel"/> (a newly built, unwrapped model of the same architecture) exactly as the
    /// checkpoint records and loads every weight into it. No manual replay of growth is needed.
    /// </summary>
    /// <param name="freshModel">The unwrapped model; it is changed in place.</param>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="logger">Where to log; none when null.</param>
    /// <param name="sampleInput">Optional input for the wrapper's check pass (see <see cref="Dendrites.Wrap"/>).</param>
    /// <returns>The handle of the loaded model and the checkpoint's manifest (with its extra state).</returns>
    /// <exception cref="CheckpointCorruptedException">The file is truncated, corrupted or not a checkpoint.</exception>
    /// <exception cref="CheckpointMismatchException">The model's architecture differs; the message names the layer.</exception>
    public static LoadedCheckpoint Load(nn.Module freshModel, string path, ILogger? logger = null, Tensor? sampleInput = null)
    {
        ArgumentNullException.ThrowIfNull(freshModel);
        var (manifest, tensors) = Open(path);
        try
        {
            var modules = freshModel.named_modules().ToDictionary(m => m.Item1, m => m.Item2);
            foreach (var layer in manifest.Layers)
            {
                if (!modules.TryGetValue(layer.Name, out var module))
                {
                    throw new CheckpointMismatchException(layer.Name, $"Checkpoint '{path}' has dendrites on layer '{layer.Name}', which the model does not have. Layers that can carry dendrites: {LayerSelector.FormatNames(modules.Where(m => HostLayerSpec.IsSupported(m.Value)).Select(m => m.Key).ToList())}.");
                }

                var spec = HostLayerSpec.IsSupported(module) ? HostLayerSpec.From(module, layer.Name) : null;
                if (spec is null || !spec.SameAs(layer.Host))
                {
                    throw new CheckpointMismatchException(layer.Name, $"Layer '{layer.Name}' differs: the checkpoint has {layer.Host}, the model has {(spec?.ToString() ?? module.GetType().Name)}. Build the model with the same architecture as the one saved.");
                }
            }

            var names = manifest.Layers.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
            var options = new WrapOptions
            {
                Targets = LayerSelector.Where((p, _) => names.Contains(p), "the checkpoint's layers"),
                InitialDendrites = 0,
                Dendrite = manifest.Dendrite,
                Logger = logger ?? NullLogger.Instance,
            };
            var handle = Dendrites.Wrap(freshModel, options);
            try
            {
                Apply(handle, manifest, tensors, path);
                if (sampleInput is not null)
                {
                    var typed = freshModel as nn.Module<Tensor, Tensor> ?? throw new ArgumentException("A sample input needs a Module<Tensor, Tensor> model.", nameof(sampleInput));
                    handle.Verify(() => typed.call(sampleInput));
                }
            }
            catch
            {
                handle.Unwrap();
                throw;
            }

            DendriticLog.CheckpointLoaded(options.Logger, path, manifest.LibraryVersion);
            return new LoadedCheckpoint(handle, manifest);
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>
    /// Loads a checkpoint into a model that is already wrapped (for example to go back to the best weights kept on
    /// disk): dendrite counts are adjusted to the checkpoint's, then every weight is copied in.
    /// </summary>
    /// <param name="model">The wrapped model, with the same wrapped layers as the checkpoint.</param>
    /// <param name="path">The checkpoint file.</param>
    /// <returns>The checkpoint's manifest (with its extra state).</returns>
    public static CheckpointManifest Restore(DendriticModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (manifest, tensors) = Open(path);
        try
        {
            var recorded = manifest.Layers.Select(l => l.Name).OrderBy(n => n, StringComparer.Ordinal);
            var current = model.Layers.Select(l => l.Name).OrderBy(n => n, StringComparer.Ordinal);
            if (!recorded.SequenceEqual(current))
            {
                throw new CheckpointMismatchException($"Checkpoint '{path}' has dendrites on [{string.Join(", ", recorded)}] but the model on [{string.Join(", ", current)}].");
            }

            Apply(model, manifest, tensors, path);
            return manifest;
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }

    private static void Apply(DendriticModel model, CheckpointManifest manifest, Dictionary<string, Tensor> tensors, string path)
    {
        foreach (var layer in manifest.Layers)
        {
            var wrapped = model.Layers.First(l => l.Name == layer.Name);
            wrapped.Attachment.ResizeDendrites(layer.Dendrites);

            wrapped.Enabled = layer.Enabled;
            foreach (var set in wrapped.Dendrites.Sets)
            {
                set.Frozen = layer.FrozenSets.Contains(set.Index);
            }
        }

        var state = model.Model.state_dict();
        var missing = state.Keys.Where(k => !tensors.ContainsKey(k)).ToList();
        var unexpected = tensors.Keys.Where(k => !state.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            var key = missing.Concat(unexpected).First();
            throw new CheckpointMismatchException(key, $"Checkpoint '{path}' does not fit the model: missing in the file [{string.Join(", ", missing.Take(5))}], not in the model [{string.Join(", ", unexpected.Take(5))}]. Build the model with the same architecture as the one saved.");
        }

        foreach (var (key, tensor) in state)
        {
            if (!tensors[key].shape.SequenceEqual(tensor.shape))
            {
                throw new CheckpointMismatchException(key, $"'{key}' has shape [{string.Join(", ", tensors[key].shape)}] in checkpoint '{path}' but [{string.Join(", ", tensor.shape)}] in the model.");
            }
        }

        using (no_grad())
        {
            foreach (var (key, tensor) in state)
            {
                tensor.copy_(tensors[key]);
            }
        }
    }

    private static (CheckpointManifest Manifest, Dictionary<string, Tensor> Tensors) Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        }

        try
        {
            using var archive = ZipFile.OpenRead(path);
            var manifestEntry = archive.GetEntry(ManifestEntry) ?? throw new CheckpointCorruptedException($"'{path}' has no {ManifestEntry}: it is not a Dendritic.Net checkpoint.");
            CheckpointManifest manifest;
            using (var stream = manifestEntry.Open())
            {
                manifest = JsonSerializer.Deserialize<CheckpointManifest>(stream, Json) ?? throw new CheckpointCorruptedException($"'{path}' has an empty manifest.");
            }

            if (manifest.Format != FormatName)
            {
                throw new CheckpointCorruptedException($"'{path}' is a '{manifest.Format}' file, not a Dendritic.Net checkpoint.");
            }

            if (manifest.FormatVersion > FormatVersion)
            {
                throw new CheckpointException($"'{path}' uses checkpoint format {manifest.FormatVersion}, written by Dendritic.Net {manifest.LibraryVersion}; this version ({LibraryVersion}) reads up to format {FormatVersion}. Upgrade Dendritic.Net.");
            }

            var weightsEntry = archive.GetEntry(manifest.WeightsFile) ?? throw new CheckpointCorruptedException($"'{path}' has no {manifest.WeightsFile}: the checkpoint is incomplete.");
            var weights = new byte[weightsEntry.Length];
            using (var stream = weightsEntry.Open())
            {
                stream.ReadExactly(weights);
            }

            if (weights.LongLength != manifest.WeightsBytes || Convert.ToHexStringLower(SHA256.HashData(weights)) != manifest.WeightsSha256)
            {
                throw new CheckpointCorruptedException($"Checkpoint '{path}' is corrupted: its weights do not match the SHA-256 recorded in its manifest. Restore it from a backup or save it again.");
            }

            var tensors = SafeTensorsFormat.Read(weights, path);
            if (tensors.Count != manifest.TensorCount)
            {
                throw new CheckpointCorruptedException($"Checkpoint '{path}' is corrupted: the manifest lists {manifest.TensorCount} tensors, the weights hold {tensors.Count}.");
            }

            return (manifest, tensors);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or JsonException or NotSupportedException)
        {
            throw new CheckpointCorruptedException($"'{path}' is not a complete Dendritic.Net checkpoint (truncated or corrupted): {e.Message}", e);
        }
    }
}
