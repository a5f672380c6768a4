using System.Collections.Generic;
using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Catches a convolution host whose settings changed after its dendrites copied them into their
/// <see cref="HostLayerSpec"/>. TorchSharp lets stride, padding, dilation, groups and padding mode be set on a live
/// module; a hooked host then computes with the new values and its dendrites with the old ones (a shape error, or a
/// silently wrong sum when the shapes still agree), and a replaced host's change is ignored. Linear has nothing to
/// check: its forward reads only its weight (<c>in_features</c> and <c>out_features</c> are labels).
/// </summary>
/// <remarks>
/// It runs on every forward, so it compares in place and allocates only on the way to the exception; reading a
/// setting gives the module's own array, not a copy. Re-reading the settings instead would have to rebuild the spec,
/// which checkpoints, ONNX export and the FLOP report also read and which would then no longer match the dendrites.
/// </remarks>
internal static class HostSettingsCheck
{
    /// <summary>Throws when <paramref name="host"/>'s settings no longer match <paramref name="spec"/>.</summary>
    /// <exception cref="HostSettingsChangedException">A setting changed; the message names it, both values and the fix.</exception>
    public static void ThrowIfChanged(HostLayerSpec spec, nn.Module host, string layerName)
    {
        if (host is not Convolution conv)
        {
            return;
        }

        // Dilation before padding: a "same" padding follows the dilation, and the dilation is then the change to name.
        if (!Equal(spec.Stride, conv.stride))
        {
            throw Changed(layerName, conv, "stride", Join(spec.Stride), Join(conv.stride));
        }

        if (!Equal(spec.Dilation, conv.dilation))
        {
            throw Changed(layerName, conv, "dilation", Join(spec.Dilation), Join(conv.dilation));
        }

        if (!PaddingEqual(spec.Padding, conv))
        {
            throw Changed(layerName, conv, "padding", Join(spec.Padding), PaddingText(conv));
        }

        if (spec.Groups != conv.groups)
        {
            throw Changed(layerName, conv, "groups", spec.Groups.ToString(CultureInfo.InvariantCulture), conv.groups.ToString(CultureInfo.InvariantCulture));
        }

        if (spec.PaddingMode != conv.padding_mode)
        {
            throw Changed(layerName, conv, "padding_mode", spec.PaddingMode.ToString(), conv.padding_mode.ToString());
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

    /// <summary>Whether the host pads as the spec resolved it: explicit values, none (valid), or symmetric "same".</summary>
    private static bool PaddingEqual(IReadOnlyList<long> wrapped, Convolution conv)
    {
        if (conv.padding_type is null && conv.padding is { } explicitPadding)
        {
            return Equal(wrapped, explicitPadding);
        }

        var same = conv.padding_type == Padding.Same;
        for (var d = 0; d < wrapped.Count; d++)
        {
            var total = same && d < conv.kernel_size.Length && d < conv.dilation.Length ? HostLayerSpec.SamePaddingTotal(conv, d) : 0;
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

    private static string Join(IReadOnlyList<long> values) => string.Join("x", values);

    private static HostSettingsChangedException Changed(string layerName, Convolution conv, string setting, string wrapped, string current)
    {
        var type = conv.GetType().Name;
        var layer = layerName.Length == 0 ? $"This DendriteLayer's {type} host" : $"Layer '{layerName}' ({type})";
        return new HostSettingsChangedException(layerName, setting, wrapped, current, $"{layer} has {setting} {current}, but its dendrites were added when it was {wrapped} and compute with that: host and dendrites would disagree. Set {setting} back to {wrapped}. Dendrites cannot follow the change: to use {current}, unwrap the model (handle.Unwrap(), which removes them), change it and wrap again (for a DendriteLayer built by hand, build a new one on the changed host).");
    }
}
