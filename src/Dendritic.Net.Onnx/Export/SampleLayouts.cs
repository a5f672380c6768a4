using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>
/// <see cref="SampleEvaluator"/>'s shape and type operators, each by its ONNX definition (opset 17): axes may count
/// from the end, a Reshape's 0 keeps the input's dimension, Gather takes negative indices, Slice clamps its bounds,
/// Split takes its sizes as an input, Pad its pads.
/// </summary>
internal static class SampleLayouts
{
    /// <summary>Flatten: a 2-D result, the axes before <c>axis</c> (default 1) merged into the first.</summary>
    public static Tensor? Flatten(SampleNode n)
    {
        var x = n[0];
        if (n.AxisAttribute(1, x.dim(), rankIncluded: true) is not { } axis)
        {
            return null;
        }

        var outer = x.shape.Take((int)axis).Aggregate(1L, (a, b) => a * b);
        var inner = x.shape.Skip((int)axis).Aggregate(1L, (a, b) => a * b);
        return x.reshape(outer, inner);
    }

    /// <summary>Reshape: the shape input's 0 copies the input's dimension at that position (unless <c>allowzero</c>), -1 is inferred.</summary>
    public static Tensor? Reshape(SampleNode n)
    {
        var x = n[0];
        var shape = SampleNode.Longs(n[1]);
        if (n.Int("allowzero", 0) == 0)
        {
            for (var i = 0; i < shape.Length; i++)
            {
                if (shape[i] == 0)
                {
                    if (i >= x.dim())
                    {
                        return n.Refuse($"its shape keeps (0) dimension {i}, which the {x.dim()}-axis input does not have");
                    }

                    shape[i] = x.shape[i];
                }
            }
        }

        return x.reshape(shape);
    }

    /// <summary>Transpose: <c>perm</c>, by default the axes reversed.</summary>
    public static Tensor? Transpose(SampleNode n)
    {
        var x = n[0];
        var perm = n.Ints("perm") ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i).ToArray();
        return x.permute(perm);
    }

    /// <summary>Concat along <c>axis</c>, which the operator requires.</summary>
    public static Tensor? Concat(SampleNode n)
    {
        if (n.Int("axis") is not { } axis)
        {
            return n.Refuse("it has no 'axis' attribute, which the operator requires");
        }

        return n.All() is { } inputs ? torch.cat(inputs.ToArray(), axis) : null;
    }

    /// <summary>Squeeze (opset 13: axes as an optional input); without axes, every axis of size 1.</summary>
    public static Tensor? Squeeze(SampleNode n)
    {
        var x = n[0];
        if (n.Optional(1) is not { } axesInput)
        {
            return x.reshape(x.shape.Where(d => d != 1).ToArray());
        }

        var axes = SampleNode.Longs(axesInput).Select(a => SampleNode.Axis(a, x.dim())).ToHashSet();
        if (axes.Any(a => a < 0 || a >= x.dim() || x.shape[a] != 1))
        {
            return n.Refuse($"it removes axes [{string.Join(", ", SampleNode.Longs(axesInput))}], not all of them of size 1 in the input's [{string.Join(", ", x.shape)}]");
        }

        return x.reshape(x.shape.Where((_, i) => !axes.Contains(i)).ToArray());
    }

    /// <summary>Unsqueeze (opset 13: axes as an input), the axes counted in the output's rank.</summary>
    public static Tensor? Unsqueeze(SampleNode n)
    {
        var x = n[0];
        var given = SampleNode.Longs(n[1]);
        var rank = x.dim() + given.Length;
        var axes = given.Select(a => SampleNode.Axis(a, rank)).Order().ToArray();
        if (axes.Any(a => a < 0 || a >= rank) || axes.Distinct().Count() != axes.Length)
        {
            return n.Refuse($"its axes [{string.Join(", ", given)}] are not distinct axes of a {rank}-axis output");
        }

        return axes.Aggregate(x, (value, axis) => value.unsqueeze(axis));
    }

    /// <summary>Gather along <c>axis</c> (default 0): the indices' shape replaces that axis; negative indices count from the end; one outside -size..size-1 is refused.</summary>
    public static Tensor? Gather(SampleNode n)
    {
        var x = n[0];
        if (n.AxisAttribute(0, x.dim()) is not { } axis)
        {
            return null;
        }

        var size = x.shape[axis];
        var indices = n[1].to(int64);
        if (indices.numel() > 0 && (indices.min().item<long>() < -size || indices.max().item<long>() >= size))
        {
            return n.Refuse($"an index is out of range [{-size}, {size - 1}] for axis {axis} of the input's [{string.Join(", ", x.shape)}], which ONNX Runtime refuses");
        }

        indices = torch.where(indices.lt(0), indices + size, indices);
        if (indices.dim() == 0)
        {
            return x.select(axis, indices.item<long>());
        }

        var shape = x.shape.Take((int)axis).Concat(indices.shape).Concat(x.shape.Skip((int)axis + 1)).ToArray();
        return x.index_select(axis, indices.flatten()).reshape(shape);
    }

    /// <summary>Slice (opset 13: starts, ends, optional axes and steps as inputs); positive steps only.</summary>
    public static Tensor? Slice(SampleNode n)
    {
        var x = n[0];
        var starts = SampleNode.Longs(n[1]);
        var ends = SampleNode.Longs(n[2]);
        var axes = n.Optional(3) is { } a ? SampleNode.Longs(a) : Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        var steps = n.Optional(4) is { } s ? SampleNode.Longs(s) : Enumerable.Repeat(1L, starts.Length).ToArray();
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
        {
            return n.Refuse("its starts, ends, axes and steps differ in length");
        }

        for (var i = 0; i < starts.Length; i++)
        {
            var axis = SampleNode.Axis(axes[i], x.dim());
            if (axis < 0 || axis >= x.dim() || steps[i] <= 0)
            {
                return n.Refuse(steps[i] <= 0 ? "a step is zero or negative, which the exporter does not compute" : $"axis {axes[i]} is outside the input's {x.dim()} axes");
            }

            var size = x.shape[axis];
            var start = Math.Clamp(starts[i] < 0 ? starts[i] + size : starts[i], 0, size);
            var end = Math.Clamp(ends[i] < 0 ? ends[i] + size : ends[i], 0, size);
            x = x.slice(axis, start, Math.Max(start, end), steps[i]);
        }

        return x;
    }

    /// <summary>Shape (opset 15: optional <c>start</c> and <c>end</c>, clamped): the input's dimensions as int64.</summary>
    public static Tensor? Shape(SampleNode n)
    {
        var x = n[0];
        var rank = x.dim();
        var start = Math.Clamp(SampleNode.Axis(n.Int("start", 0), rank), 0, rank);
        var end = Math.Clamp(SampleNode.Axis(n.Int("end", rank), rank), 0, rank);
        var dims = x.shape.Skip((int)start).Take((int)Math.Max(0, end - start)).ToArray();
        return torch.tensor(dims, int64, x.device);
    }

    /// <summary>
    /// Split (opset 13 to 17: the sizes as an optional int64 input) along <c>axis</c> (default 0) into one part per
    /// output: a node has one (see <see cref="SampleEvaluator"/>), which is the whole input; its sizes, when given, are
    /// that one part's, the axis's size.
    /// </summary>
    public static Tensor? Split(SampleNode n)
    {
        var x = n[0];
        if (n.AxisAttribute(0, x.dim()) is not { } axis)
        {
            return null;
        }

        var size = x.shape[axis];
        if (n.Optional(1) is { } given && SampleNode.Longs(given) is var sizes && !sizes.SequenceEqual(new[] { size }))
        {
            return n.Refuse($"its split sizes [{string.Join(", ", sizes)}] are not 1 (one per output) non-negative numbers that add up to axis {axis}'s size, {size}");
        }

        return x;
    }

    /// <summary>
    /// Pad (opset 13 to 17: the pads as an int64 input, every axis's begin then every axis's end, and an optional
    /// constant_value input, default 0) in <c>mode</c> <c>constant</c> (the default; a negative pad removes elements),
    /// <c>reflect</c> (mirrored about the edge, the edge not repeated) or <c>edge</c> (the edge repeated).
    /// </summary>
    public static Tensor? Pad(SampleNode n)
    {
        var x = n[0];
        var rank = (int)x.dim();
        if (n[1].dtype != int64)
        {
            return n.Refuse($"its pads are {n[1].dtype}; the operator takes them as int64, and ONNX Runtime refuses another type");
        }

        var pads = SampleNode.Longs(n[1]);
        if (pads.Length != 2 * rank)
        {
            return n.Refuse($"its pads [{string.Join(", ", pads)}] are not {2 * rank} numbers (every axis's begin, then every axis's end) for the {rank}-axis input");
        }

        for (var a = 0; a < rank; a++)
        {
            if (x.shape[a] + pads[a] + pads[rank + a] < 0)
            {
                return n.Refuse($"its pads remove more than axis {a}'s {x.shape[a]} elements");
            }
        }

        var mode = n.String("mode", "constant");
        switch (mode)
        {
            case "constant":
                return ConstantPad(n, x, pads);
            case "reflect" or "edge":
                return EdgePad(n, x, pads, reflect: mode == "reflect");
            case "wrap":
                return n.Refuse("mode 'wrap' is opset 19's; ONNX Runtime refuses it in this exporter's opset-17 file");
            default:
                return n.Refuse($"its mode '{mode}' is not one of constant, reflect and edge");
        }
    }

    /// <summary>Cast to <c>to</c>, which the operator requires: the element types the exporter writes (<see cref="TensorProtos.ElemType"/>).</summary>
    public static Tensor? Cast(SampleNode n)
    {
        if (n.Int("to") is not { } to)
        {
            return n.Refuse("it has no 'to' attribute, which the operator requires");
        }

        // Float to integer truncates toward zero in libtorch and in ONNX Runtime alike.
        return TensorProtos.DTypeOf(to) is { } target
            ? n[0].to(target)
            : n.Refuse($"it casts to ONNX element type {to}; the exporter computes casts to {TensorProtos.WrittenElemTypes}, the types it writes");
    }

    /// <summary>Pad's constant mode: libtorch's constant pad, which takes negative amounts as ONNX does (they crop).</summary>
    private static Tensor? ConstantPad(SampleNode n, Tensor x, long[] pads)
    {
        // Its own scope, as SampleRecurrent's: the constant's double copy goes here, not to whatever scope is ambient.
        using var scope = torch.NewDisposeScope();
        var value = 0.0;
        if (n.Optional(2) is { } constant)
        {
            if (constant.dtype != x.dtype || constant.numel() != 1)
            {
                return n.Refuse($"its constant_value is {constant.dtype} of shape [{string.Join(", ", constant.shape)}]; the operator takes one value of the input's type ({x.dtype})");
            }

            value = constant.to(float64).item<double>();
        }

        return scope.MoveToOuter(nn.functional.pad(x, SampleWindow.LastAxisFirst(pads), PaddingModes.Constant, value));
    }

    /// <summary>
    /// Pad's reflect and edge modes, on any axis (libtorch's own modes pad the last 1 to 3 axes of a batch only): each
    /// padded axis is gathered through the indices that mode reads, outside the axis mirrored (reflect) or clamped to
    /// its edge (edge). Negative pads, and a reflection wider than the axis, are refused.
    /// </summary>
    private static Tensor? EdgePad(SampleNode n, Tensor x, long[] pads, bool reflect)
    {
        // The index arithmetic (lt, neg, ge, where) and each axis's gather but the last are freed here, not left to
        // whatever scope is ambient. The scope's MoveToOuter moves only what it holds: x unpadded stays where it was.
        using var scope = torch.NewDisposeScope();
        var rank = pads.Length / 2;
        for (var a = 0; a < rank; a++)
        {
            var (begin, end, size) = (pads[a], pads[rank + a], x.shape[a]);
            if (begin == 0 && end == 0)
            {
                continue;
            }

            if (begin < 0 || end < 0)
            {
                return n.Refuse($"its pads [{string.Join(", ", pads)}] are negative on axis {a}, which the exporter computes in constant mode only");
            }

            if (reflect ? Math.Max(begin, end) >= size : size == 0)
            {
                return n.Refuse(reflect
                    ? $"it reflects axis {a} ({size} elements) by {Math.Max(begin, end)}; a reflection takes at most the size less 1, which ONNX Runtime requires"
                    : $"it repeats the edge of axis {a}, which is empty");
            }

            using var positions = torch.arange(-begin, size + end, int64, x.device);
            using var read = reflect
                ? torch.where(positions.lt(0), positions.neg(), torch.where(positions.ge(size), (2 * (size - 1)) - positions, positions))
                : positions.clamp(0, size - 1);
            x = x.index_select(a, read);
        }

        return scope.MoveToOuter(x);
    }
}
