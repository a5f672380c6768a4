using System.Linq;
using TorchSharp;
using TorchSharp.Modules;

namespace Dendritic.Onnx.Export;

/// <summary>
/// A plain convolution with padding "same" and an even effective kernel (dilation × (kernel − 1) odd on some axis).
/// PyTorch pads such an axis asymmetrically: total / 2 (rounded down) before, the rest after. <see cref="HostLayerSpec"/>
/// holds one symmetric padding per axis, which is all a dendrite layer's fused projection needs, and refuses this
/// padding; a plain convolution is written from the module's own settings instead, with explicit begin and end pads.
/// </summary>
internal static class SamePadding
{
    /// <summary>Whether <paramref name="conv"/> pads "same" with more padding after than before on some axis.</summary>
    public static bool IsAsymmetric(Convolution conv) =>
        conv.padding_type == Padding.Same && Enumerable.Range(0, conv.kernel_size.Length).Any(d => HostLayerSpec.SamePaddingTotal(conv, d) % 2 != 0);

    /// <summary>The spec of <paramref name="conv"/> with no padding of its own; <see cref="Pads"/> gives it.</summary>
    public static HostLayerSpec UnpaddedSpec(Convolution conv) =>
        HostLayerSpec.ForCounting(conv) with { Padding = new long[conv.kernel_size.Length] };

    /// <summary>PyTorch's "same" pads in ONNX's order: every axis's begin, then every axis's end.</summary>
    public static long[] Pads(Convolution conv)
    {
        var totals = Enumerable.Range(0, conv.kernel_size.Length).Select(d => HostLayerSpec.SamePaddingTotal(conv, d)).ToArray();
        return totals.Select(t => t / 2).Concat(totals.Select(t => t - (t / 2))).ToArray();
    }
}
