using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Dendritic;

/// <summary>
/// Checks a deserialised manifest field by field (the JSON reader already rejects wrong types, duplicate keys and
/// nulls in non-nullable properties; this covers nulls inside lists and dictionaries, ranges and consistency).
/// </summary>
internal static class ManifestValidation
{
    public static void Check(CheckpointManifest manifest, CheckpointLoadOptions options, string path)
    {
        void Fail(string field, string problem) => throw SafeTensorsFormat.Corrupted(path, $"the manifest field '{field}' {problem}");

        try
        {
            manifest.Dendrite.Validate();
        }
        catch (InvalidOptionsException e)
        {
            Fail("dendrite." + string.Join(", dendrite.", e.Problems.Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..])), $"is invalid ({e.Message})");
        }

        // Every handle has at least one layer (Wrap and Adopt refuse a model without one), so every saved manifest
        // lists one; an empty list would reach Wrap as a selector that matches nothing (a DendriteWrapException).
        if (manifest.Layers.Count == 0)
        {
            Fail("layers", "is empty; a checkpoint records at least one wrapped layer");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            var field = string.Create(CultureInfo.InvariantCulture, $"layers[{i}]");
            var layer = manifest.Layers[i];
            if (layer is null)
            {
                Fail(field, "is null");
                return;
            }

            if (string.IsNullOrEmpty(layer.Name) || !names.Add(layer.Name))
            {
                Fail(field + ".name", $"'{UntrustedText.Excerpt(layer.Name)}' is empty or repeats another layer's");
            }

            if (!Enum.IsDefined(layer.Mode))
            {
                Fail(field + ".mode", "is not a known attach mode");
            }

            CheckHost(layer.Host, field + ".host", Fail);
            if (layer.Dendrites < 0 || layer.Dendrites > options.MaxDendritesPerLayer)
            {
                Fail(field + ".dendrites", $"is {layer.Dendrites}; it must be between 0 and {options.MaxDendritesPerLayer} (CheckpointLoadOptions.MaxDendritesPerLayer)");
            }

            if (layer.FrozenSets is null || layer.FrozenSets.Any(s => s < 0 || s >= layer.Dendrites) || layer.FrozenSets.Distinct().Count() != layer.FrozenSets.Count)
            {
                Fail(field + ".frozenSets", $"must list distinct set indices below {layer.Dendrites}");
            }
        }

        if (string.IsNullOrEmpty(manifest.WeightsFile) || manifest.WeightsFile is DendriteCheckpoint.ManifestEntry or CheckpointArchive.ChecksumsEntry)
        {
            Fail("weightsFile", $"'{UntrustedText.Excerpt(manifest.WeightsFile)}' does not name a weights entry");
        }

        if (manifest.WeightsSha256.Length != 64 || !manifest.WeightsSha256.All(char.IsAsciiHexDigitLower))
        {
            Fail("weightsSha256", "is not 64 lower-case hex digits");
        }

        if (manifest.WeightsBytes < 8 || manifest.WeightsBytes > options.MaxWeightsBytes)
        {
            Fail("weightsBytes", $"is {manifest.WeightsBytes}; it must be between 8 and {options.MaxWeightsBytes} (CheckpointLoadOptions.MaxWeightsBytes)");
        }

        if (manifest.TensorCount < 0 || manifest.TensorCount > options.MaxTensorCount)
        {
            Fail("tensorCount", $"is {manifest.TensorCount}; it must be between 0 and {options.MaxTensorCount} (CheckpointLoadOptions.MaxTensorCount)");
        }

        CheckFrozenBaseParameters(manifest, Fail);
        CheckOptimizer(manifest, options, Fail);

        if (manifest.Extras is null)
        {
            Fail("extras", "is null");
        }
        else if (manifest.Extras.FirstOrDefault(kv => kv.Value is null) is { Key: not null } nullValue)
        {
            Fail($"extras.{UntrustedText.Excerpt(nullValue.Key)}", "is null");
        }
    }

    private static void CheckFrozenBaseParameters(CheckpointManifest manifest, Action<string, string> fail)
    {
        const string Field = "frozenBaseParameters";
        if (manifest.FrozenBaseParameters is not { } frozen)
        {
            fail(Field, "is null");
            return;
        }

        if (manifest.FormatVersion < 3 && frozen.Count > 0)
        {
            fail(Field, "is recorded from format 3 on, but the file says format " + manifest.FormatVersion.ToString(CultureInfo.InvariantCulture));
        }

        // Each names a tensor of the weights (checked against the model on load), so there cannot be more.
        if (frozen.Count > manifest.TensorCount || frozen.Any(n => string.IsNullOrEmpty(n)) || frozen.Distinct(StringComparer.Ordinal).Count() != frozen.Count)
        {
            fail(Field, string.Create(CultureInfo.InvariantCulture, $"must list distinct, non-empty parameter names, at most {manifest.TensorCount} (tensorCount)"));
        }
    }

    private static void CheckOptimizer(CheckpointManifest manifest, CheckpointLoadOptions options, Action<string, string> fail)
    {
        if (manifest.Optimizer is not { } optimizer)
        {
            return;
        }

        if (manifest.FormatVersion < 3)
        {
            fail("optimizer", "is recorded from format 3 on, but the file says format " + manifest.FormatVersion.ToString(CultureInfo.InvariantCulture));
        }

        if (string.IsNullOrEmpty(optimizer.Type) || optimizer.Type.Length > 1024)
        {
            fail("optimizer.type", "must name a type in 1 to 1024 characters");
        }

        // Each names a parameter of the model, which is a tensor of the weights, once.
        var names = optimizer.ParameterGroups?.Select(g => g?.Count ?? -1).ToList();
        if (names is null || names.Contains(-1) || names.Count > manifest.TensorCount + 1 || names.Sum(n => (long)n) > manifest.TensorCount)
        {
            fail("optimizer.parameterGroups", string.Create(CultureInfo.InvariantCulture, $"must be a list of parameter-name lists holding at most {manifest.TensorCount} (tensorCount) names"));
        }
        else
        {
            var all = optimizer.ParameterGroups!.SelectMany(g => g).ToList();
            if (all.Any(n => string.IsNullOrEmpty(n)) || all.Distinct(StringComparer.Ordinal).Count() != all.Count)
            {
                fail("optimizer.parameterGroups", "must hold distinct, non-empty parameter names");
            }
        }

        if (!FileDigest.IsSha256(optimizer.Sha256))
        {
            fail("optimizer.sha256", "is not 64 lower-case hex digits");
        }

        if (optimizer.Bytes < 0 || optimizer.Bytes > options.MaxOptimizerBytes)
        {
            fail("optimizer.bytes", string.Create(CultureInfo.InvariantCulture, $"is {optimizer.Bytes}; it must be between 0 and {options.MaxOptimizerBytes} (CheckpointLoadOptions.MaxOptimizerBytes)"));
        }
    }

    private static void CheckHost(HostLayerSpec? host, string field, Action<string, string> fail)
    {
        if (host is null)
        {
            fail(field, "is null");
            return;
        }

        if (!Enum.IsDefined(host.Kind) || !Enum.IsDefined(host.PaddingMode))
        {
            fail(field, "has an unknown kind or padding mode");
        }

        // Padding may be 0; a kernel, stride or dilation of 0 belongs to no convolution (torch refuses to build one), so a
        // manifest holding one would hand ReadManifest's callers a host no model has.
        foreach (var (name, list, least) in new[] { ("kernelSize", host.KernelSize, 1L), ("stride", host.Stride, 1L), ("padding", host.Padding, 0L), ("dilation", host.Dilation, 1L) })
        {
            if (list is null || list.Count != host.SpatialDims || list.Any(v => v < least))
            {
                fail(field + "." + name, $"must list {host.SpatialDims} values of at least {least} for a {host.Kind}");
            }
        }

        if (host.Kind == HostKind.Module ? host.OutFeatures < 1 || host.ModuleType is not { Length: > 0 } : host.InFeatures < 1 || host.OutFeatures < 1 || host.Groups < 1)
        {
            fail(field, "has features or groups below 1");
        }

        // Only a convolution has groups, and they divide its channels (HostLayerSpec.WeightShape divides by them).
        if (host.SpatialDims == 0 ? host.Groups != 1 : host.InFeatures % host.Groups != 0 || host.OutFeatures % host.Groups != 0)
        {
            fail(field + ".groups", $"is {host.Groups}; a {host.Kind} has {(host.SpatialDims == 0 ? "1" : "groups that divide its input and output channels")}");
        }
    }
}
