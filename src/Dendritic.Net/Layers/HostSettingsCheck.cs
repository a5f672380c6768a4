using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Catches a host whose settings or weight shape changed after its dendrites copied them into their
/// <see cref="HostLayerSpec"/>. TorchSharp lets a convolution's stride, padding, dilation, groups and padding mode be
/// set on a live module, and any host's <c>weight</c> be replaced by a parameter of another shape; a hooked host then
/// computes with the new values and its dendrites with the old ones (a shape error, or a silently wrong sum when the
/// shapes still agree or broadcast), and a replaced host's change is ignored. A Linear has no setting to check (its
/// forward reads only its weight; <c>in_features</c> and <c>out_features</c> are labels), only its weight's shape.
/// </summary>
/// <remarks>
/// It runs on every forward, so it compares in place and allocates only on the way to the exception; reading a
/// setting gives the module's own array, not a copy, and a weight's shape is read one dimension at a time
/// (<c>dim()</c> and <c>size(d)</c>, native calls that return integers, where <c>shape</c> would allocate an array).
/// Re-reading the settings instead would have to rebuild the spec, which checkpoints, ONNX export and the FLOP report
/// also read and which would then no longer match the dendrites.
/// </remarks>
internal static class HostSettingsCheck
{
    /// <summary>The name <see cref="HostSettingChange.Setting"/> gives a weight whose shape changed.</summary>
    public const string WeightShape = "weight shape";

    /// <summary>Throws when <paramref name="host"/>'s settings or weight shape no longer match <paramref name="spec"/>.</summary>
    /// <param name="spec">What the dendrites copied.</param>
    /// <param name="host">The Linear or convolution host.</param>
    /// <param name="layerWeight">
    /// The weight a <see cref="DendriteLayer"/> computes the host with (its own registered parameter, which a replaced
    /// host's field no longer follows once it is reassigned); null for a hooked host, which computes with its field.
    /// </param>
    /// <param name="layerName">The layer's path, for the message.</param>
    /// <exception cref="HostSettingsChangedException">A setting or the weight's shape changed; the message names every change, both values and the fix.</exception>
    public static void ThrowIfChanged(HostLayerSpec spec, nn.Module host, Tensor? layerWeight, string layerName)
    {
        var conv = host as Convolution;
        var reshaped = WeightOfAnotherShape(spec, host, layerWeight);
        if (reshaped is null && (conv is null || Unchanged(spec, conv)))
        {
            return;
        }

        throw Changed(layerName, host, Changes(spec, conv, reshaped));
    }

    /// <summary>
    /// The host's weight, or failing that the layer's, when its shape is not the spec's; null when both fit. A disposed
    /// tensor is passed over: after <c>model.to(...)</c> a replaced host's field still holds the parameter it had when
    /// wrapped, which the move disposed (the layer holds the moved one), and TorchSharp's setter disposes the parameter
    /// it replaces, which for a replaced host is the layer's own.
    /// </summary>
    private static Tensor? WeightOfAnotherShape(HostLayerSpec spec, nn.Module host, Tensor? layerWeight)
    {
        Tensor? hostWeight = host switch
        {
            Linear linear => linear.weight,
            Convolution conv => conv.weight,
            _ => null,
        };
        if (hostWeight is { IsInvalid: false } && !ShapeFits(spec, hostWeight))
        {
            return hostWeight;
        }

        return layerWeight is { IsInvalid: false } && !ReferenceEquals(layerWeight, hostWeight) && !ShapeFits(spec, layerWeight)
            ? layerWeight
            : null;
    }

    /// <summary>Whether <paramref name="weight"/> has the spec's weight shape, read without allocating.</summary>
    private static bool ShapeFits(HostLayerSpec spec, Tensor weight)
    {
        var kernel = spec.KernelSize;
        if (weight.Dimensions != 2 + kernel.Count || weight.size(0) != spec.OutFeatures || weight.size(1) != spec.InFeatures / spec.Groups)
        {
            return false;
        }

        for (var d = 0; d < kernel.Count; d++)
        {
            if (weight.size(2 + d) != kernel[d])
            {
                return false;
            }
        }

        return true;
    }

    // The per-forward test: comparisons only, no allocation.
    private static bool Unchanged(HostLayerSpec spec, Convolution conv) =>
        Equal(spec.Stride, conv.stride) && Equal(spec.Dilation, conv.dilation) && PaddingEqual(spec, conv)
        && spec.Groups == conv.groups && spec.PaddingMode == conv.padding_mode;

    /// <summary>Every setting that differs, in a fixed order (the first is the exception's <c>Setting</c>), then the weight's shape.</summary>
    private static List<HostSettingChange> Changes(HostLayerSpec spec, Convolution? conv, Tensor? reshaped)
    {
        var changes = new List<HostSettingChange>();
        if (conv is not null)
        {
            AddSettings(changes, spec, conv);
        }

        if (reshaped is not null)
        {
            changes.Add(new(WeightShape, Join(spec.WeightShape), Join(reshaped.shape)));
        }

        return changes;
    }

    private static void AddSettings(List<HostSettingChange> changes, HostLayerSpec spec, Convolution conv)
    {
        if (!Equal(spec.Stride, conv.stride))
        {
            changes.Add(new("stride", Join(spec.Stride), Join(conv.stride)));
        }

        if (!Equal(spec.Dilation, conv.dilation))
        {
            changes.Add(new("dilation", Join(spec.Dilation), Join(conv.dilation)));
        }

        if (!PaddingEqual(spec, conv))
        {
            changes.Add(new("padding", Join(spec.Padding), PaddingText(conv)));
        }

        if (spec.Groups != conv.groups)
        {
            changes.Add(new("groups", spec.Groups.ToString(CultureInfo.InvariantCulture), conv.groups.ToString(CultureInfo.InvariantCulture)));
        }

        if (spec.PaddingMode != conv.padding_mode)
        {
            changes.Add(new("padding_mode", spec.PaddingMode.ToString(), conv.padding_mode.ToString()));
        }
    }

    private static bool Equal(IReadOnlyList<long> wrapped, long[]? current)
    {
        if (current is null || current.Length != wrapped.Count)
        {
            return false;
        }

        for (var d = 0; d < current.Length; d++)
        {
            if (current[d] != wrapped[d])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether the host pads as the spec resolved it: explicit values, none (valid), or symmetric "same". A padding given
    /// as "same" is resolved with the dilation and kernel the dendrites copied, so that a dilation changed under it is
    /// the dilation's change alone (the padding setting did not change; a check with the new dilation would list both).
    /// </summary>
    private static bool PaddingEqual(HostLayerSpec spec, Convolution conv)
    {
        var wrapped = spec.Padding;
        if (conv.padding_type is null && conv.padding is { } explicitPadding)
        {
            return Equal(wrapped, explicitPadding);
        }

        var same = conv.padding_type == Padding.Same;
        for (var d = 0; d < wrapped.Count; d++)
        {
            var total = same ? HostLayerSpec.SamePaddingTotal(spec.Dilation[d], spec.KernelSize[d]) : 0;
            if (total % 2 != 0 || wrapped[d] != total / 2)
            {
                return false;
            }
        }

        return true;
    }

    private static string PaddingText(Convolution conv) => conv.padding_type switch
    {
        Padding.Same => "same",
        Padding.Valid => "valid",
        _ => conv.padding is { } padding ? Join(padding) : "none",
    };

    private static string Join(IReadOnlyList<long>? values) => values is null ? "none" : string.Join("x", values);

    private static HostSettingsChangedException Changed(string layerName, nn.Module host, List<HostSettingChange> changes)
    {
        var type = host.GetType().Name;
        var layer = layerName.Length == 0 ? $"This DendriteLayer's {type} host" : $"Layer '{layerName}' ({type})";
        var now = string.Join(", ", changes);
        var back = string.Join(", ", changes.Select(c => $"{c.Setting} {c.WrappedValue}"));
        return new HostSettingsChangedException(layerName, changes.AsReadOnly(), $"{layer} has changed since its dendrites were added: {now}. The dendrites compute with the values they copied then, so host and dendrites would disagree. Set {(changes.Count == 1 ? "it" : "each")} back ({back}). Dendrites cannot follow the change: to use the new {(changes.Count == 1 ? "value" : "values")}, unwrap the model (handle.Unwrap(), which removes them), change the host and wrap again (for a DendriteLayer built by hand, build a new one on the changed host).");
    }
}
