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
    /// count: the sets beyond it dropped, new ones laid out as <see cref="LayerAttachment.ResizeDendrites"/> would build
    /// them (see <see cref="SetTemplate"/>; the cascade weights v of set k shaped [k, out]).
    /// </summary>
    public static Dictionary<string, TensorLayout> After(nn.Module model, IReadOnlyList<LayerAttachment> attachments, IReadOnlyDictionary<string, int> counts)
    {
        var resized = attachments.Where(a => counts.ContainsKey(a.Path)).ToList();
        var templates = resized.Where(a => counts[a.Path] > a.Branch.Count).ToDictionary(a => a.Path, SetTemplate, StringComparer.Ordinal);
        var result = Of(model.state_dict());
        foreach (var key in result.Keys.Where(key => resized.Any(a => SetIndex(key, a.DendriteKeyPrefix) is { } index && index >= counts[a.Path])).ToList())
        {
            result.Remove(key);
        }

        foreach (var attachment in resized)
        {
            for (var k = attachment.Branch.Count; k < counts[attachment.Path]; k++)
            {
                var prefix = attachment.DendriteKeyPrefix + k.ToString(CultureInfo.InvariantCulture) + ".";
                foreach (var (name, layout) in templates[attachment.Path])
                {
                    result[prefix + name] = layout;
                }

                if (k > 0)
                {
                    result[prefix + DendriteSet.CascadeKey] = new TensorLayout(new[] { (long)k, attachment.Spec.OutFeatures }, attachment.HostWeight.dtype);
                }
            }
        }

        return result;
    }

    /// <summary>The layout of each tensor of <paramref name="tensors"/> (a state dict, a snapshot, a checkpoint's tensors).</summary>
    public static Dictionary<string, TensorLayout> Of(IReadOnlyDictionary<string, Tensor> tensors) =>
        tensors.ToDictionary(kv => kv.Key, kv => new TensorLayout(kv.Value.shape, kv.Value.dtype), StringComparer.Ordinal);

    /// <summary>
    /// Brings each attachment in <paramref name="counts"/> to its count: first every missing set is added, and if an
    /// addition fails (device memory, a module host's copy factory) the sets added so far are removed again; only then
    /// are surplus sets removed. An exception therefore leaves the structure as it was, trained sets included.
    /// </summary>
    public static void Resize(IReadOnlyList<LayerAttachment> attachments, IReadOnlyDictionary<string, int> counts)
    {
        var before = attachments.ToDictionary(a => a, a => a.Branch.Count);
        try
        {
            foreach (var attachment in attachments.Where(a => counts.TryGetValue(a.Path, out var count) && count > a.Branch.Count))
            {
                attachment.ResizeDendrites(counts[attachment.Path]);
            }
        }
        catch
        {
            foreach (var (attachment, count) in before.Where(b => b.Key.Branch.Count > b.Value))
            {
                attachment.ResizeDendrites(count);
            }

            throw;
        }

        foreach (var attachment in attachments.Where(a => counts.TryGetValue(a.Path, out var count) && count < a.Branch.Count))
        {
            attachment.ResizeDendrites(counts[attachment.Path]);
        }
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
            if (compareDTypes ? !found.SameAs(wanted) : !found.Shape.SequenceEqual(wanted.Shape))
            {
                return new LayoutDifference(key, Array.Empty<string>(), Array.Empty<string>(), found, wanted);
            }
        }

        return null;
    }

    /// <summary>The set index of a key under <paramref name="prefix"/> ("prefix.3.u" gives 3); null for other keys.</summary>
    public static int? SetIndex(string key, string prefix)
    {
        if (!key.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = key.AsSpan(prefix.Length);
        var dot = rest.IndexOf('.');
        return dot > 0 && int.TryParse(rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;
    }

    /// <summary>
    /// The entries a new set of <paramref name="attachment"/> will have, by name within the set (without v, which
    /// depends on the index): their shapes from the layer's set 0, or, before it has one, from its host (a module
    /// host's copies are of the host's own architecture); their dtype as <see cref="LayerAttachment.ResizeDendrites"/>
    /// builds them, the host weight's for every floating-point entry. Nothing is built, so a check costs no memory and
    /// draws nothing from any random stream.
    /// </summary>
    private static List<(string Name, TensorLayout Layout)> SetTemplate(LayerAttachment attachment)
    {
        var dtype = attachment.HostWeight.dtype;
        var spec = attachment.Spec;
        IEnumerable<(string Name, long[] Shape, ScalarType DType)> entries;
        if (attachment.Branch.Count > 0)
        {
            entries = attachment.Branch.Sets[0].state_dict().Where(kv => kv.Key != DendriteSet.CascadeKey).Select(kv => (kv.Key, kv.Value.shape, kv.Value.dtype));
        }
        else if (attachment is ModuleHostAttachment hosted)
        {
            // The host's own entries, without the dendrites a host keeps on itself, under the set's key for its copy.
            var own = DendriteLayer.BranchKey + ".";
            entries = hosted.Host.state_dict().Where(kv => !kv.Key.StartsWith(own, StringComparison.Ordinal))
                .Select(kv => (DendriteSet.ModuleKey + "." + kv.Key, kv.Value.shape, kv.Value.dtype))
                .Append((DendriteSet.OutputScaleKey, new[] { spec.OutFeatures }, dtype));
        }
        else
        {
            // A Linear or convolution set: a weight shaped like the host's, a bias when the host has one, and u.
            var linear = new List<(string, long[], ScalarType)> { (DendriteSet.WeightKey, spec.WeightShapeArray(), dtype) };
            if (spec.HasBias)
            {
                linear.Add((DendriteSet.BiasKey, new[] { spec.OutFeatures }, dtype));
            }

            linear.Add((DendriteSet.OutputScaleKey, new[] { spec.OutFeatures }, dtype));
            entries = linear;
        }

        return entries.Select(e => (e.Name, new TensorLayout(e.Shape, IsFloatingPoint(e.DType) ? dtype : e.DType))).ToList();
    }

    private static bool IsFloatingPoint(ScalarType dtype) => dtype is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;
}
