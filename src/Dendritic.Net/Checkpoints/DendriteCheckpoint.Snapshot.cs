using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic;

/// <content>
/// The growth scheduler's best weights held in memory, written as a checkpoint (<c>{checkpoint}.best</c>) and read back,
/// so that the file next to a run's checkpoint is one that <see cref="Load"/> deploys.
/// </content>
public static partial class DendriteCheckpoint
{
    /// <summary>
    /// Writes <paramref name="snapshot"/> (taken from <paramref name="model"/>) to <paramref name="destination"/> as a
    /// checkpoint of the model as it was then: the snapshot's tensors and dendrite counts, with the model's layers,
    /// hosts and options, the frozen flags of the sets the snapshot holds, and which base parameters are frozen now. No
    /// extras, so it is no resume point (no scheduler state): what <see cref="Load"/> gives from it is the best model.
    /// </summary>
    /// <param name="model">The handle the snapshot was taken from.</param>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="destination">The new, empty temporary of an atomic write: readable and seekable (the zip writer goes back into it).</param>
    internal static void WriteSnapshot(DendriticModel model, WeightSnapshot snapshot, Stream destination)
    {
        var state = snapshot.Tensors.Select(kv => (kv.Key, kv.Value)).ToList();
        var frozenBase = BaseTrainability.Frozen(model);
        _ = WriteArchive(destination, state, null, (sha, bytes, _) => ManifestOf(model, snapshot.DendriteCounts, frozenBase, sha, bytes, state.Count, optimizer: null, extras: null));
    }

    /// <summary>
    /// Reads the checkpoint in <paramref name="file"/> into a snapshot for <paramref name="model"/>, on
    /// <paramref name="device"/>, without changing the model: checked against it as <see cref="Restore"/> checks (layers,
    /// hosts, keys, shapes, dtypes) from the manifest and the weights header, before a tensor is read.
    /// </summary>
    /// <param name="model">The handle the snapshot is for.</param>
    /// <param name="file">The open file, readable and seekable, from its start; left open.</param>
    /// <param name="path">The file, for messages.</param>
    /// <param name="device">Where the snapshot's tensors go (the model's device).</param>
    /// <param name="options">Bounds for reading it (those the resumed checkpoint was loaded with); the defaults when null.</param>
    /// <returns>The snapshot; the caller disposes it.</returns>
    /// <exception cref="CheckpointCorruptedException">The file is not an intact checkpoint.</exception>
    /// <exception cref="CheckpointException">The file is of another format (a newer checkpoint, or a pre-release best-weights file).</exception>
    /// <exception cref="CheckpointMismatchException">The checkpoint does not fit the model.</exception>
    internal static WeightSnapshot ReadSnapshot(DendriticModel model, Stream file, string path, Device device, CheckpointLoadOptions? options)
    {
        using var archive = CheckpointArchive.Open(file, path, options);
        var manifest = archive.Manifest;
        var header = archive.ReadWeightsHeader();
        ThrowIfNotFitting(model, manifest, header, path);
        var cpu = archive.ReadTensors(header);
        var tensors = new Dictionary<string, Tensor>(cpu.Count, StringComparer.Ordinal);
        try
        {
            foreach (var key in cpu.Keys.ToList())
            {
                // to() returns the same object when the device matches; the reader's tensor is freed only if not.
                var moved = cpu[key].to(device).DetachFromDisposeScope();
                if (!ReferenceEquals(moved, cpu[key]))
                {
                    cpu[key].Dispose();
                }

                cpu.Remove(key);
                tensors[key] = moved;
            }
        }
        catch
        {
            SafeTensorsFormat.Dispose(tensors);
            SafeTensorsFormat.Dispose(cpu);
            throw;
        }

        return new WeightSnapshot(tensors, manifest.Layers.ToDictionary(l => l.Name, l => l.DendriteCount, StringComparer.Ordinal));
    }

    /// <summary>
    /// The checks that a checkpoint fits the wrapped <paramref name="model"/>, from its manifest and weights header alone:
    /// the same wrapped layers with the same hosts and dendrite activations, dendrite counts the weights can hold, and
    /// exactly the tensors the model will have with those counts.
    /// </summary>
    /// <exception cref="CheckpointMismatchException">The wrapped layers, a host, an activation, a key, a shape or a dtype differ.</exception>
    /// <exception cref="CheckpointCorruptedException">The dendrite counts declare more values than the weights hold.</exception>
    private static void ThrowIfNotFitting(DendriticModel model, CheckpointManifest manifest, SafeTensorsHeader header, string path)
    {
        var recorded = manifest.Layers.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        var current = model.Layers.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        if (!recorded.SetEquals(current))
        {
            // The file's names are quoted bounded, and only those that differ: a manifest may list thousands.
            static string Listed(IEnumerable<string> names)
            {
                var list = names.Order(StringComparer.Ordinal).ToList();
                var shown = string.Join(", ", list.Take(10).Select(n => $"'{UntrustedText.Name(n)}'"));
                return list.Count > 10 ? string.Create(CultureInfo.InvariantCulture, $"{shown} and {list.Count - 10} more") : shown;
            }

            var onlySaved = recorded.Except(current).ToList();
            var onlyModel = current.Except(recorded).ToList();
            var parts = new List<string>();
            if (onlySaved.Count > 0)
            {
                parts.Add($"dendrites on {Listed(onlySaved)}, which the model's handle has not");
            }

            if (onlyModel.Count > 0)
            {
                parts.Add($"none on {Listed(onlyModel)}, which the model's handle has");
            }

            throw new CheckpointMismatchException($"Checkpoint '{path}' has {string.Join(", and ", parts)}. Restore a checkpoint saved from a model wrapped the same way, or load it into a fresh model with DendriteCheckpoint.Load.");
        }

        CheckpointFit.SameHosts(model, manifest, path);
        CheckpointFit.SameActivations(model, manifest, path);
        CheckpointFit.DendritesFitWeights(manifest, header, path);
        CheckpointFit.TensorsFitModel(model, manifest, header, path);
    }
}
