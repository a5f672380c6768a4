using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>
/// <see cref="SampleEvaluator"/>'s pooling and reductions, each by its ONNX definition (opset 17). ONNX's defaults
/// differ from PyTorch's here: a pooling stride is 1 unless given (PyTorch: the kernel), and AveragePool leaves the
/// padding out of its count unless <c>count_include_pad</c> is 1.
/// </summary>
internal static class SamplePooling
{
    /// <summary>MaxPool or AveragePool over the 1 to 3 spatial axes after [batch, channels], with symmetric padding.</summary>
    public static Tensor? Pool(SampleNode n, bool max)
    {
        var x = n[0];
        if (n.Ints("kernel_shape") is not { } kernel)
        {
            return n.Refuse("it has no 'kernel_shape' attribute, which the operator requires");
        }

        var spatial = kernel.Length;
        if (spatial is < 1 or > 3 || x.dim() != spatial + 2)
        {
            return n.Refuse($"its kernel has {spatial} axes, which does not fit a {x.dim()}-axis input [batch, channels, 1 to 3 spatial axes]");
        }

        var autoPad = n.String("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "VALID"))
        {
            return n.Refuse($"auto_pad {autoPad} is not computed by the exporter; give explicit 'pads'");
        }

        // VALID pads nothing, whatever 'pads' says.
        if (SampleWindow.StridesAndDilations(n, spatial) is not (var strides, var dilations)
            || (autoPad == "VALID" ? new long[2 * spatial] : SampleWindow.ExplicitPads(n, spatial)) is not { } pads)
        {
            return null;
        }

        var begin = pads.Take(spatial).ToArray();
        if (!begin.SequenceEqual(pads.Skip(spatial)))
        {
            return n.Refuse($"its pads [{string.Join(", ", pads)}] differ at the start and end of an axis, which the exporter does not compute");
        }

        if (!max && dilations.Any(d => d != 1))
        {
            return n.Refuse("its dilations are not 1, which AveragePool does not take in opset 17");
        }

        var ceil = n.Int("ceil_mode", 0) != 0;
        var countPad = n.Int("count_include_pad", 0) != 0;

        // A 1-D pooling runs as a 2-D one over a height of 1: TorchSharp's 1-D functions take no dilation.
        var oneD = spatial == 1;
        if (oneD)
        {
            x = x.unsqueeze(2);
            kernel = Prepend(1, kernel);
            strides = Prepend(1, strides);
            begin = Prepend(0, begin);
            dilations = Prepend(1, dilations);
        }

        var pooled = (max, kernel.Length) switch
        {
            (true, 2) => nn.functional.max_pool2d(x, kernel, strides, begin, dilations, ceil),
            (true, _) => nn.functional.max_pool3d(x, kernel, strides, begin, dilations, ceil),
            (false, 2) => nn.functional.avg_pool2d(x, kernel, strides, begin, ceil, countPad),
            (false, _) => nn.functional.avg_pool3d(x, kernel, strides, begin, ceil, countPad),
        };
        return oneD ? pooled.squeeze(2) : pooled;
    }

    /// <summary>GlobalAveragePool or GlobalMaxPool: every spatial axis (after [batch, channels]) reduced to 1.</summary>
    public static Tensor? Global(SampleNode n, bool max)
    {
        var x = n[0];
        if (x.dim() < 3)
        {
            return n.Refuse($"its input has {x.dim()} axes; the operator takes [batch, channels, spatial axes...]");
        }

        var axes = Enumerable.Range(2, (int)x.dim() - 2).Select(a => (long)a).ToArray();
        return max ? x.amax(axes, keepdim: true) : x.mean(axes, keepdim: true);
    }

    /// <summary>ReduceMean or ReduceMax (opset 17: axes as an attribute; none = every axis), keeping the axes unless <c>keepdims</c> is 0.</summary>
    public static Tensor? Reduce(SampleNode n, long[]? axes, Func<Tensor, long[], bool, Tensor> reduce)
    {
        var x = n[0];
        var all = Enumerable.Range(0, (int)x.dim()).Select(a => (long)a).ToArray();
        var chosen = axes is null || axes.Length == 0 ? all : axes.Select(a => SampleNode.Axis(a, x.dim())).ToArray();
        if (chosen.Any(a => a < 0 || a >= x.dim()))
        {
            return n.Refuse($"its axes [{string.Join(", ", axes!)}] are not all axes of the {x.dim()}-axis input");
        }

        return reduce(x, chosen, n.Int("keepdims", 1) != 0);
    }

    /// <summary>ReduceSum (opset 13: axes as an optional input); no axes reduces every axis, or none with <c>noop_with_empty_axes</c>.</summary>
    public static Tensor? ReduceSum(SampleNode n)
    {
        var axes = n.Optional(1) is { } given ? SampleNode.Longs(given) : null;
        if ((axes is null || axes.Length == 0) && n.Int("noop_with_empty_axes", 0) != 0)
        {
            return n[0];
        }

        return Reduce(n, axes, (x, chosen, keep) => x.sum(chosen, keep));
    }

    private static long[] Prepend(long first, long[] rest) => rest.Prepend(first).ToArray();
}
