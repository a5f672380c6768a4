using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Linq;

namespace Dendritic;

/// <summary>
/// Checks a deserialised manifest field by field. The JSON reader (<see cref="CheckpointArchive"/>) already refuses
/// wrong types, duplicate keys, properties the format does not define, enum values that are not exactly one name, and
/// nulls in non-nullable properties, so no property checked here is null; what it lets through, and this covers, is
/// nulls inside lists and dictionaries (their items' nullability is not enforced), ranges and consistency.
/// </summary>
internal static class ManifestValidation
{
    // Type names are .NET's (a host module's, an optimizer's): far shorter than this in any real file.
    private const int MaxTypeNameChars = 1024;

    /// <summary>Checks every field of <paramref name="manifest"/>, read from <paramref name="path"/>, against <paramref name="options"/>' caps.</summary>
    /// <exception cref="CheckpointCorruptedException">A field holds a value no writer writes; the message names it.</exception>
    public static void Check(CheckpointManifest manifest, CheckpointLoadOptions options, string path)
    {
        CheckDendrite(manifest.Dendrite, "dendrite", path);

        // Every handle has at least one layer (Wrap and Adopt refuse a model without one), so every saved manifest
        // lists one; an empty list would reach Wrap as a selector that matches nothing (a DendriteWrapException).
        if (manifest.Layers.Count == 0)
        {
            Fail(path, "layers", "is empty; a checkpoint records at least one wrapped layer");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            CheckLayer(manifest, manifest.Layers[i], string.Create(CultureInfo.InvariantCulture, $"layers[{i}]"), names, options, path);
        }

        if (manifest.WeightsFile.Length == 0 || manifest.WeightsFile is DendriteCheckpoint.ManifestEntry or CheckpointArchive.ChecksumsEntry)
        {
            Fail(path, "weightsFile", $"'{UntrustedText.Excerpt(manifest.WeightsFile)}' does not name a weights entry");
        }

        Sha256(manifest.WeightsSha256, "weightsSha256", path);
        InRange(manifest.WeightsBytes, 8, options.MaxWeightsBytes, "weightsBytes", nameof(CheckpointLoadOptions.MaxWeightsBytes), path);
        InRange(manifest.TensorCount, 0, options.MaxTensorCount, "tensorCount", nameof(CheckpointLoadOptions.MaxTensorCount), path);
        CheckFrozenBaseParameters(manifest, path);
        CheckOptimizer(manifest, options, path);
        if (manifest.Extras.FirstOrDefault(kv => kv.Value is null) is { Key: not null } nullValue)
        {
            Fail(path, $"extras.{UntrustedText.Excerpt(nullValue.Key)}", "is null");
        }
    }

    private static void CheckLayer(CheckpointManifest manifest, CheckpointLayer? layer, string field, HashSet<string> names, CheckpointLoadOptions options, string path)
    {
        if (layer is null)
        {
            Fail(path, field, "is null");
        }

        if (layer.Name.Length == 0 || !names.Add(layer.Name))
        {
            Fail(path, field + ".name", $"'{UntrustedText.Excerpt(layer.Name)}' is empty or repeats another layer's");
        }

        CheckHost(layer.Host, field + ".host", path);
        InRange(layer.DendriteCount, 0, options.MaxDendritesPerLayer, field + ".dendrites", nameof(CheckpointLoadOptions.MaxDendritesPerLayer), path);
        if (layer.FrozenSets.Any(s => s < 0 || s >= layer.DendriteCount) || layer.FrozenSets.Distinct().Count() != layer.FrozenSets.Count)
        {
            Fail(path, field + ".frozenSets", $"must list distinct set indices below {layer.DendriteCount}");
        }

        if (layer.FrozenOutputScales.Count > 0)
        {
            FromFormat(5, manifest, field + ".frozenOutputScales", path);
        }

        if (layer.FrozenOutputScales.Any(s => s < 0 || s >= layer.DendriteCount) || layer.FrozenOutputScales.Distinct().Count() != layer.FrozenOutputScales.Count)
        {
            Fail(path, field + ".frozenOutputScales", $"must list distinct set indices below {layer.DendriteCount}");
        }

        if (layer.Dendrite is { } own)
        {
            FromFormat(4, manifest, field + ".dendrite", path);
            CheckDendrite(own, field + ".dendrite", path);
        }
    }

    // The options' own validator, so that a file can hold no options that Wrap or a DendriteLayer would refuse.
    private static void CheckDendrite(DendriteOptions options, string field, string path)
    {
        try
        {
            options.Validate();
        }
        catch (InvalidOptionsException e)
        {
            Fail(path, field + "." + string.Join(", " + field + ".", e.Problems.Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..])), $"is invalid ({e.Message})");
        }
    }

    private static void CheckFrozenBaseParameters(CheckpointManifest manifest, string path)
    {
        const string Field = "frozenBaseParameters";
        var frozen = manifest.FrozenBaseParameters;
        if (frozen.Count > 0)
        {
            FromFormat(3, manifest, Field, path);
        }

        // Each names a tensor of the weights (checked against the model on load), so there cannot be more.
        if (frozen.Count > manifest.TensorCount || !AreDistinctNames(frozen))
        {
            Fail(path, Field, string.Create(CultureInfo.InvariantCulture, $"must list distinct, non-empty parameter names, at most {manifest.TensorCount} (tensorCount)"));
        }
    }

    private static void CheckOptimizer(CheckpointManifest manifest, CheckpointLoadOptions options, string path)
    {
        if (manifest.Optimizer is not { } optimizer)
        {
            return;
        }

        FromFormat(3, manifest, "optimizer", path);
        if (optimizer.Type.Length is 0 or > MaxTypeNameChars)
        {
            Fail(path, "optimizer.type", string.Create(CultureInfo.InvariantCulture, $"must name a type in 1 to {MaxTypeNameChars} characters"));
        }

        // Each names a parameter of the model, which is a tensor of the weights, once; a group may be empty.
        var groups = optimizer.ParameterGroups;
        if (groups.Any(g => g is null) || groups.Count > manifest.TensorCount + 1 || groups.Sum(g => (long)g.Count) > manifest.TensorCount)
        {
            Fail(path, "optimizer.parameterGroups", string.Create(CultureInfo.InvariantCulture, $"must be a list of parameter-name lists holding at most {manifest.TensorCount} (tensorCount) names"));
        }

        if (!AreDistinctNames(groups.SelectMany(g => g).ToList()))
        {
            Fail(path, "optimizer.parameterGroups", "must hold distinct, non-empty parameter names");
        }

        Sha256(optimizer.Sha256, "optimizer.sha256", path);
        InRange(optimizer.Bytes, 0, options.MaxOptimizerBytes, "optimizer.bytes", nameof(CheckpointLoadOptions.MaxOptimizerBytes), path);
    }

    private static void CheckHost(HostLayerSpec host, string field, string path)
    {
        // Padding may be 0; a kernel, stride or dilation of 0 belongs to no convolution (torch refuses to build one), so a
        // manifest holding one would hand ReadManifest's callers a host no model has.
        foreach (var (name, list, least) in new[] { ("kernelSize", host.KernelSize, 1L), ("stride", host.Stride, 1L), ("padding", host.Padding, 0L), ("dilation", host.Dilation, 1L) })
        {
            if (list.Count != host.SpatialDims || list.Any(v => v < least))
            {
                Fail(path, field + "." + name, $"must list {host.SpatialDims} values of at least {least} for a {host.Kind}");
            }
        }

        if (host.Kind == HostKind.Module ? host.OutFeatures < 1 || host.ModuleType.Length == 0 : host.InFeatures < 1 || host.OutFeatures < 1 || host.Groups < 1)
        {
            Fail(path, field, "has features or groups below 1");
        }

        // The module-host fields mean nothing to a Linear or a convolution, and HostLayerSpec's description of one leaves
        // them out: a file that set them would be refused by a message reading "has Linear(4→8), the model has Linear(4→8)".
        if (host.Kind != HostKind.Module && (host.ModuleType.Length != 0 || host.NeuronAxis != -1 || host.ModuleParameters != 0))
        {
            Fail(path, field, $"sets module-host fields (moduleType, neuronAxis, moduleParameters) on a {host.Kind}, which has none");
        }

        if (host.ModuleType.Length > MaxTypeNameChars)
        {
            Fail(path, field + ".moduleType", string.Create(CultureInfo.InvariantCulture, $"must name a type in 1 to {MaxTypeNameChars} characters"));
        }

        // Only a convolution has groups, and they divide its channels (HostLayerSpec.WeightShape divides by them).
        if (host.SpatialDims == 0 ? host.Groups != 1 : host.InFeatures % host.Groups != 0 || host.OutFeatures % host.Groups != 0)
        {
            Fail(path, field + ".groups", $"is {host.Groups}; a {host.Kind} has {(host.SpatialDims == 0 ? "1" : "groups that divide its input and output channels")}");
        }
    }

    // Format 3 added frozenBaseParameters and optimizer, format 4 a layer's own dendrite options: a file holding a field
    // of a later format than it says was not written by a writer of its format.
    private static void FromFormat(int version, CheckpointManifest manifest, string field, string path)
    {
        if (manifest.FormatVersion < version)
        {
            Fail(path, field, string.Create(CultureInfo.InvariantCulture, $"is recorded from format {version} on, but the file says format {manifest.FormatVersion}"));
        }
    }

    private static void Sha256(string value, string field, string path)
    {
        if (!FileDigest.IsSha256(value))
        {
            Fail(path, field, "is not 64 lower-case hex digits");
        }
    }

    private static void InRange(long value, long least, long most, string field, string cap, string path)
    {
        if (value < least || value > most)
        {
            Fail(path, field, string.Create(CultureInfo.InvariantCulture, $"is {value}; it must be between {least} and {most} (CheckpointLoadOptions.{cap})"));
        }
    }

    // List items may be null: the reader enforces the nullability of properties, not of what a list holds.
    private static bool AreDistinctNames(IReadOnlyCollection<string?> names) =>
        !names.Any(string.IsNullOrEmpty) && names.Distinct(StringComparer.Ordinal).Count() == names.Count;

    [DoesNotReturn]
    private static void Fail(string path, string field, string problem) =>
        throw SafeTensorsFormat.Corrupted(path, $"the manifest field '{field}' {problem}");
}
