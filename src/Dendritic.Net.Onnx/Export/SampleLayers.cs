using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>
/// <see cref="SampleEvaluator"/>'s layer operators, Conv, Gemm, BatchNormalization and LayerNormalization, each by its ONNX definition
/// (opset 17) and computed with the TorchSharp function that the matching module's forward calls, so that a faithful
/// description differs from forward by rounding alone. ONNX's defaults differ from PyTorch's in places: Gemm
/// multiplies its inputs as given unless <c>transB</c> is 1 (a Linear's weight is [out, in], so a Gemm for it
/// needs <c>transB</c> 1), and a Conv without <c>pads</c> pads nothing.
/// </summary>
internal static class SampleLayers
{
    /// <summary>
    /// Conv over the 1 to 3 spatial axes after [batch, channels]: weight [out, in / group, kernel...], optional bias
    /// [out]; any non-negative <c>pads</c> (begin and end may differ, as the exporter writes an even kernel's
    /// padding 'same'), or <c>auto_pad</c> VALID, SAME_UPPER or SAME_LOWER as ONNX Runtime computes it.
    /// </summary>
    public static Tensor? Conv(SampleNode n)
    {
        var x = n[0];
        var weight = n[1];
        var bias = n.Optional(2);
        var spatial = (int)weight.dim() - 2;
        if (spatial is < 1 or > 3 || x.dim() != spatial + 2)
        {
            return n.Refuse($"its weight has {weight.dim()} axes and its input {x.dim()}; the exporter computes 1-D to 3-D convolutions, of an input [batch, channels, spatial axes...] by a weight [out, in / group, kernel...] with as many spatial axes");
        }

        var kernel = weight.shape[2..];
        if (n.Ints("kernel_shape") is { } given && !given.SequenceEqual(kernel))
        {
            return n.Refuse($"its kernel_shape [{string.Join(", ", given)}] differs from its weight's kernel [{string.Join(", ", kernel)}], which ONNX Runtime refuses");
        }

        if (SampleWindow.StridesAndDilations(n, spatial) is not (var strides, var dilations)
            || SampleWindow.Pads(n, x.shape[2..], kernel, strides, dilations) is not { } pads)
        {
            return null;
        }

        var begin = pads[..spatial];
        if (!begin.SequenceEqual(pads[spatial..]))
        {
            // libtorch pads a convolution symmetrically only, so uneven padding is added first, with zeros as Conv's;
            // functional pad lists the last axis first.
            x = nn.functional.pad(x, SampleWindow.LastAxisFirst(pads));
            begin = new long[spatial];
        }

        var group = n.Int("group", 1);
        return spatial switch
        {
            1 => nn.functional.conv1d(x, weight, bias, strides[0], begin[0], dilations[0], group),
            2 => nn.functional.conv2d(x, weight, bias, strides, begin, dilations, group),
            _ => nn.functional.conv3d(x, weight, bias, strides, begin, dilations, group),
        };
    }

    /// <summary>
    /// Gemm: <c>alpha · A' · B' + beta · C</c>, A' and B' the 2-D inputs transposed when <c>transA</c> or
    /// <c>transB</c> is 1; the optional C broadcasts to the product's [M, N] without growing it.
    /// </summary>
    public static Tensor? Gemm(SampleNode n)
    {
        var a = n[0];
        var b = n[1];
        if (a.dim() != 2 || b.dim() != 2)
        {
            return n.Refuse($"its inputs A and B have {a.dim()} and {b.dim()} axes; Gemm takes two matrices (MatMul takes more axes)");
        }

        var alpha = n.Float("alpha", 1.0);
        var beta = n.Float("beta", 1.0);
        a = n.Int("transA", 0) != 0 ? a.t() : a;
        b = n.Int("transB", 0) != 0 ? b.t() : b;
        if (n.Optional(2) is not { } c)
        {
            var product = a.matmul(b);
            return alpha == 1.0 ? product : product * alpha;
        }

        // ONNX broadcasts C one way only, to [M, N]: libtorch would also let a larger C grow the result.
        var m = a.shape[0];
        var columns = b.shape[1];
        var fits = c.dim() <= 2 && c.shape.Reverse().Zip(new[] { columns, m }).All(p => p.First == 1 || p.First == p.Second);
        if (!fits)
        {
            return n.Refuse($"its C has shape [{string.Join(", ", c.shape)}], which does not broadcast to the product's [{m}, {columns}]");
        }

        // addmm is what Linear's forward computes, so a faithful description agrees with it to the last bit or two.
        return torch.addmm(c, a, b, (float)beta, (float)alpha);
    }

    /// <summary>
    /// BatchNormalization in inference form (<c>training_mode</c> 0, the default): <c>scale · (X − mean) /
    /// sqrt(var + epsilon) + B</c> per channel (axis 1), with ONNX's default epsilon 1e-5.
    /// </summary>
    public static Tensor? BatchNormalization(SampleNode n)
    {
        var x = n[0];
        if (n.Int("training_mode", 0) != 0)
        {
            return n.Refuse("training_mode 1 normalises with the batch's own statistics, which the exporter does not compute; inference takes training_mode 0");
        }

        if (x.dim() < 2)
        {
            return n.Refuse($"its input has {x.dim()} axes; BatchNormalization takes [batch, channels, ...]");
        }

        return nn.functional.batch_norm(x, n[3], n[4], n[1], n[2], training: false, eps: n.Float("epsilon", 1e-5));
    }

    /// <summary>
    /// LayerNormalization (opset 17): each element normalised over the axes from <c>axis</c> (default -1) to the last,
    /// <c>(X − mean) / sqrt(var + epsilon) · Scale + B</c>, with the biased variance and ONNX's default epsilon 1e-5.
    /// Scale and the optional B must have those axes' shape (leading 1s aside), LayerNorm's own form (this calls
    /// <c>layer_norm</c>, as its forward does); ONNX Runtime also broadcasts a smaller one, which is not computed here.
    /// </summary>
    public static Tensor? LayerNormalization(SampleNode n)
    {
        var x = n[0];
        if (n.AxisAttribute(-1, x.dim()) is not { } axis)
        {
            return null;
        }

        if (n.Int("stash_type", 1) != 1)
        {
            // stash_type sets the precision of the mean and variance; the exporter computes them in the input's type,
            // as ONNX Runtime does for the default, 1 (float).
            return n.Refuse($"its stash_type is {n.Int("stash_type", 1)}; the exporter computes the default, 1 (float), only");
        }

        var normalized = x.shape[(int)axis..];
        var scale = Normalized(n, n[1], "Scale", normalized);
        var bias = n.Optional(2) is { } b ? Normalized(n, b, "B", normalized) : null;
        if (scale is null || n.Refusal is not null)
        {
            return null;
        }

        return nn.functional.layer_norm(x, normalized, scale, bias, n.Float("epsilon", 1e-5));
    }

    /// <summary>
    /// LayerNormalization's Scale or B reshaped to the normalised axes' shape, or null (refused) when it does not have
    /// that shape, leading 1s aside, or has more axes than the input (ONNX broadcasts it one way, not growing X).
    /// </summary>
    private static Tensor? Normalized(SampleNode n, Tensor value, string name, long[] normalized)
    {
        static long[] Trimmed(long[] shape) => shape.SkipWhile(d => d == 1).ToArray();
        if (!Trimmed(value.shape).SequenceEqual(Trimmed(normalized)) || value.dim() > n[0].dim())
        {
            n.Refuse($"its {name} has shape [{string.Join(", ", value.shape)}], not the normalised axes' [{string.Join(", ", normalized)}] (axis to the last); the exporter computes a Scale and B of that shape only, not broadcast ones");
            return null;
        }

        return value.reshape(normalized);
    }
}
