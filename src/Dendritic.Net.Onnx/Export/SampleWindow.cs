using System;
using System.Linq;

namespace Dendritic.Onnx.Export;

/// <summary>
/// The window attributes of <see cref="SampleEvaluator"/>'s Conv, MaxPool and AveragePool (<c>strides</c>,
/// <c>dilations</c>, <c>pads</c>, <c>auto_pad</c>), each read with ONNX's defaults in one place, and the order in which
/// libtorch takes pads.
/// </summary>
internal static class SampleWindow
{
    /// <summary>
    /// <c>strides</c> and <c>dilations</c>: one entry per spatial axis, ONNX's default 1 for each; null (refused) when
    /// either has another number of entries or one below 1.
    /// </summary>
    public static (long[] Strides, long[] Dilations)? StridesAndDilations(SampleNode n, int spatial)
    {
        var strides = n.Ints("strides") ?? Ones(spatial);
        var dilations = n.Ints("dilations") ?? Ones(spatial);
        if (strides.Length != spatial || dilations.Length != spatial || strides.Any(s => s < 1) || dilations.Any(d => d < 1))
        {
            n.Refuse($"its strides and dilations must have one entry, at least 1, per kernel axis ({spatial})");
            return null;
        }

        return (strides, dilations);
    }

    /// <summary>
    /// The <c>pads</c> attribute, every axis's begin then every axis's end (none, ONNX's default, is all zeros); null
    /// (refused) when it does not have two non-negative entries per spatial axis.
    /// </summary>
    public static long[]? ExplicitPads(SampleNode n, int spatial)
    {
        var pads = n.Ints("pads") ?? new long[2 * spatial];
        if (pads.Length != 2 * spatial || pads.Any(p => p < 0))
        {
            n.Refuse($"its pads [{string.Join(", ", pads)}] must be {2 * spatial} non-negative numbers (every axis's begin, then every axis's end)");
            return null;
        }

        return pads;
    }

    /// <summary>
    /// A convolution's pads, every axis's begin then every axis's end, from <c>pads</c> or <c>auto_pad</c> (VALID,
    /// SAME_UPPER, SAME_LOWER, as ONNX Runtime computes them); null (refused) when ONNX Runtime would refuse them or the
    /// exporter does not compute them.
    /// </summary>
    public static long[]? Pads(SampleNode n, long[] input, long[] kernel, long[] strides, long[] dilations)
    {
        var spatial = kernel.Length;
        var autoPad = n.String("auto_pad", "NOTSET");
        if (autoPad == "NOTSET")
        {
            return ExplicitPads(n, spatial);
        }

        if (n.Ints("pads") is not null)
        {
            n.Refuse($"it sets both auto_pad {autoPad} and pads, which ONNX does not allow together");
            return null;
        }

        if (autoPad == "VALID")
        {
            return new long[2 * spatial];
        }

        if (autoPad is not ("SAME_UPPER" or "SAME_LOWER"))
        {
            n.Refuse($"auto_pad {autoPad} is not one of NOTSET, VALID, SAME_UPPER and SAME_LOWER");
            return null;
        }

        if (dilations.Any(d => d != 1))
        {
            n.Refuse($"auto_pad {autoPad} with dilations other than 1 is refused by ONNX Runtime; give explicit 'pads'");
            return null;
        }

        // Padded so that the output has ceil(input / stride) positions; the odd one out goes at the end (SAME_UPPER)
        // or the start (SAME_LOWER). A stride beyond the kernel can make the total negative: ONNX Runtime then pads
        // by a negative amount (C#'s division truncates toward zero as its C++ does). Cutting the end changes
        // nothing (the windows end before it), so it is left out; cutting the start shifts every window, and
        // libtorch cannot pad by a negative amount, so that form is not computed.
        var same = new long[2 * spatial];
        for (var a = 0; a < spatial; a++)
        {
            var outputs = (input[a] + strides[a] - 1) / strides[a];
            var total = ((outputs - 1) * strides[a]) + kernel[a] - input[a];
            var head = autoPad == "SAME_LOWER" ? (total + 1) / 2 : total / 2;
            if (head < 0)
            {
                n.Refuse($"auto_pad {autoPad} with a stride ({strides[a]}) this far beyond the kernel ({kernel[a]}) pads the start by a negative amount, which the exporter does not compute; give explicit 'pads'");
                return null;
            }

            same[a] = head;
            same[spatial + a] = Math.Max(0, total - head);
        }

        return same;
    }

    /// <summary>ONNX's pads (every axis's begin, then every axis's end) in libtorch's order: the last axis first, begin then end.</summary>
    public static long[] LastAxisFirst(long[] pads)
    {
        var rank = pads.Length / 2;
        return Enumerable.Range(0, rank).Reverse().SelectMany(a => new[] { pads[a], pads[rank + a] }).ToArray();
    }

    private static long[] Ones(int count) => Enumerable.Repeat(1L, count).ToArray();
}
