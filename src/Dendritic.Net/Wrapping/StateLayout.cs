using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// The state dict a wrapped model will have once its layers hold given dendrite counts, computed without resizing them,
/// so that a checkpoint or snapshot can be checked against it before anything in the model changes: a file that does
/// not fit then leaves the model as it was (its trained sets included) and cannot make it build sets it will not fill.
/// </summary>
internal static class StateLayout
{
    /// <summary>
    /// The model's state-dict layout after each attachment in <paramref name="counts"/> (by path) is resized to its
    /// count: the sets beyond it dropped, new ones laid out like the layer's set 0 (with the cascade weights v of set k
    /// shaped [k, out]). A layer with no set to copy the layout from gets one set added and removed again, which loses
    /// nothing.
    /// </summary>
    public static Dictionary<string, TensorLayout> After(nn.Module model, IReadOnlyList<LayerAttachment> attachments, IReadOnlyDictionary<string, int> counts)
    {
        var resized = attachments.Where(a => counts.ContainsKey(a.Path)).ToList();
        var templates = resized.Where(a => counts[a.Path] > a.Branch.Count).ToDictionary(a => a.Path, SetTemplate, StringComparer.Ordinal);
        var result = new Dictionary<string, TensorLayout>(StringComparer.Ordinal);
        foreach (var (key, tensor) in model.state_dict())
        {
            if (!resized.Any(a => SetIndex(key, a.DendriteKeyPrefix) is { } index && index >= counts[a.Path]))
            {
                result[key] = new TensorLayout(tensor.shape, tensor.dtype);
            }
        }

        foreach (var attachment in resized)
        {
            for (var k = attachment.Branch.Count; k < counts[attachment.Path]; k++)
            {
                var prefix = attachment.DendriteKeyPrefix + k.ToString(CultureInfo.InvariantCulture) + ".";
                var (entries, scaleType) = templates[attachment.Path];
                foreach (var (name, layout) in entries)
                {
                    result[prefix + name] = layout;
                }

                if (k > 0)
                {
                    result[prefix + DendriteSet.CascadeKey] = new TensorLayout(new[] { (long)k, attachment.Spec.OutFeatures }, scaleType);
                }
            }
        }

        return result;
    }

    /// <summary>
    /// The first way <paramref name="actual"/> differs from <paramref name="expected"/>: the keys of either side the other
    /// lacks, else the first key whose shape or dtype differs; null when they agree.
    /// </summary>
    /// <param name="expected">What the model will hold.</param>
    /// <param name="actual">What the file or snapshot holds.</param>
    /// <param name="compareDTypes">Whether a dtype difference counts (false where the copy converts, as a snapshot's does).</param>
    public static LayoutDifference? FirstDifference(IReadOnlyDictionary<string, TensorLayout> expected, IReadOnlyDictionary<string, TensorLayout> actual, bool compareDTypes = true)
    {
        var missing = expected.Keys.Where(k => !actual.ContainsKey(k)).ToList();
        var unexpected = actual.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            return new LayoutDifference(missing.Concat(unexpected).First(), missing, unexpected, null, null);
        }

        foreach (var (key, wanted) in expected)
        {
            var found = actual[key];
            if (!found.Shape.SequenceEqual(wanted.Shape) || (compareDTypes && found.DType != wanted.DType))
            {
                return new LayoutDifference(key, Array.Empty<string>(), Array.Empty<string>(), found, wanted);
            }
        }

        return null;
    }

    /// <summary>The set index of a key under <paramref name="prefix"/> ("prefix.3.u" gives 3); null for other keys.</summary>
    private static int? SetIndex(string key, string prefix)
    {
        if (!key.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = key.AsSpan(prefix.Length);
        var dot = rest.IndexOf('.');
        return dot > 0 && int.TryParse(rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;
    }

    /// <summary>Set 0's entries by name within the set (without v, which depends on the index) and u's dtype.</summary>
    private static (List<(string Name, TensorLayout Layout)> Entries, ScalarType ScaleType) SetTemplate(LayerAttachment attachment)
    {
        if (attachment.Branch.Count > 0)
        {
            return LayoutOf(attachment.Branch.Sets[0]);
        }

        var spec = attachment.Spec;
        var dtype = attachment.HostWeight.dtype;
        if (spec.Kind != HostKind.Module)
        {
            // A Linear or convolution set: a weight shaped like the host's, a bias when the host has one, and u.
            var entries = new List<(string Name, TensorLayout Layout)> { (DendriteSet.WeightKey, new TensorLayout(spec.WeightShape.ToArray(), dtype)) };
            if (spec.HasBias)
            {
                entries.Add((DendriteSet.BiasKey, new TensorLayout(new[] { spec.OutFeatures }, dtype)));
            }

            entries.Add((DendriteSet.OutputScaleKey, new TensorLayout(new[] { spec.OutFeatures }, dtype)));
            return (entries, dtype);
        }

        // A module host's copy is whatever its ModuleHost builds: one is built to be read, then removed, with the
        // random state kept, so that checking a file draws nothing from the caller's random stream.
        using var random = get_rng_state();
        attachment.ResizeDendrites(1);
        try
        {
            return LayoutOf(attachment.Branch.Sets[0]);
        }
        finally
        {
            attachment.ResizeDendrites(0);
            set_rng_state(random);
        }
    }

    private static (List<(string Name, TensorLayout Layout)> Entries, ScalarType ScaleType) LayoutOf(DendriteSet set) =>
        (set.state_dict().Where(kv => kv.Key != DendriteSet.CascadeKey).Select(kv => (kv.Key, new TensorLayout(kv.Value.shape, kv.Value.dtype))).ToList(), set.OutputScale.dtype);
}
