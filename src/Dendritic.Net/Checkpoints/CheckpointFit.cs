using System;
using System.Collections.Generic;
using System.Linq;

namespace Dendritic;

/// <summary>
/// The checks that a checkpoint fits a wrapped model, made from the manifest and the weights header alone: before a
/// tensor is read and before the model changes. A file that does not fit costs no more memory than its header and leaves
/// the model as it was, its trained dendrite sets included.
/// </summary>
internal static class CheckpointFit
{
    /// <summary>Each layer's host in the manifest is the model's (a file cannot describe smaller hosts to pass <see cref="DendritesFitWeights"/>).</summary>
    /// <exception cref="CheckpointMismatchException">A layer's host differs.</exception>
    public static void SameHosts(DendriticModel model, CheckpointManifest manifest, string path)
    {
        foreach (var layer in manifest.Layers)
        {
            var spec = model.Layers.First(l => l.Name == layer.Name).Spec;
            if (!spec.Equals(layer.Host))
            {
                throw new CheckpointMismatchException(layer.Name, $"Layer '{layer.Name}' differs: the checkpoint '{path}' has {UntrustedText.Name(layer.Host.ToString())}, the model has {spec}. Build the model with the same architecture as the one saved.");
            }
        }
    }

    /// <summary>
    /// Each layer's dendrites compute with the activation they were saved with (<see cref="CheckpointManifest.DendriteOf"/>),
    /// so that the saved weights compute what they did. Only the activation is compared: the other options change how
    /// sets added later are drawn (<see cref="DendriteOptions.Initialization"/>, <see cref="DendriteOptions.InitScale"/>)
    /// or the speed alone (<see cref="DendriteOptions.Projection"/>, <see cref="DendriteOptions.Cascade"/>), and stay the
    /// model's. A file of a format before 4 recorded the handle's options only, which for an adopted model are its first
    /// layer's, so there only the first layer is compared: the others may rightly differ.
    /// </summary>
    /// <exception cref="CheckpointMismatchException">A layer's activation differs; the message names the layer, both activations and the fix.</exception>
    public static void SameActivations(DendriticModel model, CheckpointManifest manifest, string path)
    {
        var compared = manifest.FormatVersion >= 4 ? manifest.Layers : manifest.Layers.Take(1);
        foreach (var layer in compared)
        {
            var wrapped = model.Layers.First(l => l.Name == layer.Name);
            var saved = manifest.DendriteOf(layer).Activation;
            var current = wrapped.Branch.Options.Activation;
            if (saved != current)
            {
                var name = wrapped.Name.Length == 0 ? "(the model)" : wrapped.Name;
                throw new CheckpointMismatchException(wrapped.Name, $"Layer '{name}' computes its dendrites with activation {current}, but checkpoint '{path}' was saved with {saved} on it, so its weights would compute something else. Give the layer the saved activation (build it as new DendriteLayer(host, options with {{ Activation = DendriteActivation.{saved} }}), or wrap with WrapOptions.Dendrite.Activation = {saved}), or load the file onto a fresh model without dendrites with DendriteCheckpoint.Load, which gives every layer the options it was saved with.");
            }
        }
    }

    /// <summary>
    /// The declared dendrite counts fit in what the weights hold: every set holds at least a weight shaped like its
    /// host's plus one scale per neuron, so a manifest cannot make the loader build more than the file has.
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">The counts declare more values than the weights hold.</exception>
    public static void DendritesFitWeights(CheckpointManifest manifest, SafeTensorsHeader header, string path)
    {
        try
        {
            long needed = 0;
            foreach (var layer in manifest.Layers)
            {
                var perSet = checked(layer.Host.WeightShape.Aggregate(1L, (a, b) => checked(a * b)) + layer.Host.OutFeatures + Math.Max(0, layer.Host.ModuleParameters));
                needed = checked(needed + (layer.DendriteCount * perSet));
            }

            var held = header.Entries.Sum(e => e.Shape.Aggregate(1L, (a, b) => checked(a * b)));
            if (needed > held)
            {
                throw SafeTensorsFormat.Corrupted(path, $"the manifest field 'layers[].dendrites' declares sets of at least {needed} values but the weights hold {held}");
            }
        }
        catch (OverflowException)
        {
            throw SafeTensorsFormat.Corrupted(path, "the manifest field 'layers[].dendrites' declares more dendrite values than a file can hold");
        }
    }

    /// <summary>
    /// The weights hold exactly the tensors the model will have once its layers hold the manifest's dendrite counts:
    /// the same keys, shapes and dtypes (<see cref="StateLayout.After"/>).
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">The weights hold a dendrite set beyond its layer's count in the manifest.</exception>
    /// <exception cref="CheckpointMismatchException">A key is missing or extra, or a shape or dtype differs.</exception>
    public static void TensorsFitModel(DendriticModel model, CheckpointManifest manifest, SafeTensorsHeader header, string path)
    {
        var counts = manifest.Layers.ToDictionary(l => l.Name, l => l.DendriteCount, StringComparer.Ordinal);
        ThrowIfSetsBeyondCounts(model, manifest, header, path);
        var expected = StateLayout.After(model.Model, model.Layers.Select(l => l.Attachment).ToList(), counts);
        var actual = header.Entries.ToDictionary(e => e.Key, e => new TensorLayout(e.Shape, e.DType), StringComparer.Ordinal);
        ThrowIfDiffers(expected, actual, path, AttachmentHint(model, manifest));
    }

    // A file whose weights hold a set that its own manifest does not count contradicts itself: that is a damaged file,
    // not a model that differs from the saved one (which the mismatch below would say).
    private static void ThrowIfSetsBeyondCounts(DendriticModel model, CheckpointManifest manifest, SafeTensorsHeader header, string path)
    {
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            var layer = manifest.Layers[i];
            var prefix = model.Layers.FirstOrDefault(l => l.Name == layer.Name)?.Attachment.DendriteKeyPrefix;
            if (prefix is not null && header.Entries.FirstOrDefault(e => StateLayout.SetIndex(e.Key, prefix) >= layer.DendriteCount) is { } beyond)
            {
                throw SafeTensorsFormat.Corrupted(path, $"the manifest field 'layers[{i}].dendrites' is {layer.DendriteCount}, but the weights hold '{UntrustedText.Name(beyond.Key)}', of a set beyond that count");
            }
        }
    }

    // Dendrite keys follow how a layer is attached (a replaced layer's under "dendrites.<layer>", a hooked one's under
    // "<layer>.dendrites"), so a model refactored between the two (a Sequential into typed fields) misses every key.
    private static string AttachmentHint(DendriticModel model, CheckpointManifest manifest)
    {
        var saved = manifest.Layers.ToDictionary(l => l.Name, l => l.Mode, StringComparer.Ordinal);
        var moved = model.Layers.Where(l => saved.TryGetValue(l.Name, out var mode) && mode != l.Mode).ToList();
        return moved.Count == 0
            ? string.Empty
            : $" The dendrites are attached differently from when the file was saved, which changes their keys: {string.Join(", ", moved.Take(3).Select(l => $"'{l.Name}' (saved {saved[l.Name]}, now {l.Mode})"))}{More(moved.Count, 3)}; attach them the same way (the same model class, or a Sequential where one was saved).";
    }

    /// <summary>
    /// Throws when <paramref name="actual"/> (the checkpoint's tensors) differs from <paramref name="expected"/> (the
    /// model's), naming the first key, shape or dtype that differs.
    /// </summary>
    /// <exception cref="CheckpointMismatchException">A key is missing or extra, or a shape or dtype differs.</exception>
    public static void ThrowIfDiffers(IReadOnlyDictionary<string, TensorLayout> expected, IReadOnlyDictionary<string, TensorLayout> actual, string path, string hint = "")
    {
        if (StateLayout.FirstDifference(expected, actual) is not { } difference)
        {
            return;
        }

        // Keys may be the file's: quoted bounded, so that a hostile header cannot fill the message (or LayerName).
        var key = UntrustedText.Name(difference.Key);
        if (difference is { Found: { } found, Wanted: { } wanted })
        {
            throw found.DType != wanted.DType
                ? new CheckpointMismatchException(key, $"'{key}' is {SafeTensorsFormat.Name(found.DType)} in checkpoint '{path}' but {SafeTensorsFormat.Name(wanted.DType)} in the model; no conversion is made. Convert the model (for example model.to(dtype)) to the checkpoint's dtype before loading.")
                : new CheckpointMismatchException(key, $"'{key}' has shape {found.ShapeText} in checkpoint '{path}' but {wanted.ShapeText} in the model.");
        }

        throw new CheckpointMismatchException(key, $"Checkpoint '{path}' does not fit the model: missing in the file [{string.Join(", ", difference.Missing.Take(5).Select(UntrustedText.Name))}{More(difference.Missing.Count, 5)}], not in the model [{string.Join(", ", difference.Unexpected.Take(5).Select(UntrustedText.Name))}{More(difference.Unexpected.Count, 5)}].{(hint.Length > 0 ? hint : " Build the model with the same architecture as the one saved.")}");
    }

    private static string More(int count, int shown) => count > shown ? $" and {count - shown} more" : string.Empty;
}
