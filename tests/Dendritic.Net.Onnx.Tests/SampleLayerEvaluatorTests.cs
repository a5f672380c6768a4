using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic.Onnx.Export;
using Dendritic.Onnx.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static Dendritic.Onnx.Tests.Support.EvaluatedOperator;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// The evaluator's layer and type operators (Conv, Gemm, BatchNormalization, LayerNormalization, Pad, Split, Cast) by
/// ONNX's definition (opset 17, its defaults), each checked against TorchSharp's own operation written out in the
/// test, and the forms it leaves unknown because ONNX Runtime refuses them or computes them otherwise.
/// </summary>
public class SampleLayerEvaluatorTests
{
    public static IEnumerable<TestCaseData> Operators()
    {
        yield return Case("Conv 2-D: strides, symmetric pads, dilations, bias", () =>
        {
            var (x, w, b) = (randn(2, 3, 9, 8), randn(4, 3, 3, 2), randn(4));
            return (Eval("Conv", new[] { x, w, b }, new() { ["strides"] = new long[] { 2, 1 }, ["pads"] = new long[] { 1, 2, 1, 2 }, ["dilations"] = new long[] { 1, 2 }, ["kernel_shape"] = new long[] { 3, 2 } }),
                nn.functional.conv2d(x, w, b, new long[] { 2, 1 }, new long[] { 1, 2 }, new long[] { 1, 2 }));
        });
        yield return Case("Conv 2-D: no pads, stride or bias by default", () =>
        {
            var (x, w) = (randn(2, 3, 7, 7), randn(5, 3, 3, 3));
            return (Eval("Conv", new[] { x, w }), nn.functional.conv2d(x, w));
        });
        yield return Case("Conv 2-D grouped (depthwise)", () =>
        {
            var (x, w, b) = (randn(2, 6, 7, 7), randn(12, 1, 3, 3), randn(12));
            return (Eval("Conv", new[] { x, w, b }, new() { ["group"] = 6L, ["pads"] = new long[] { 1, 1, 1, 1 } }), nn.functional.conv2d(x, w, b, padding: new long[] { 1, 1 }, groups: 6));
        });
        yield return Case("Conv 2-D: pads that differ at the start and end of an axis", () =>
        {
            var (x, w) = (randn(2, 3, 6, 6), randn(4, 3, 2, 2));
            return (Eval("Conv", new[] { x, w }, new() { ["pads"] = new long[] { 0, 1, 1, 0 } }), nn.functional.conv2d(nn.functional.pad(x, new long[] { 1, 0, 0, 1 }), w));
        });
        yield return Case("Conv 2-D: auto_pad SAME_UPPER puts the odd pad at the end, SAME_LOWER at the start", () =>
        {
            var (x, w) = (randn(2, 3, 6, 6), randn(4, 3, 3, 3));
            var upper = Eval("Conv", new[] { x, w }, new() { ["auto_pad"] = "SAME_UPPER", ["strides"] = Two });
            var lower = Eval("Conv", new[] { x, w }, new() { ["auto_pad"] = "SAME_LOWER", ["strides"] = Two });
            return (torch.cat(new[] { upper.flatten(), lower.flatten() }),
                torch.cat(new[] { nn.functional.conv2d(nn.functional.pad(x, new long[] { 0, 1, 0, 1 }), w, strides: Two).flatten(), nn.functional.conv2d(nn.functional.pad(x, new long[] { 1, 0, 1, 0 }), w, strides: Two).flatten() }));
        });
        yield return Case("Conv 2-D: auto_pad SAME with a stride beyond the kernel leaves the end unpadded", () =>
        {
            var (x, w) = (randn(1, 2, 6, 6), randn(3, 2, 1, 1));
            return (Eval("Conv", new[] { x, w }, new() { ["auto_pad"] = "SAME_UPPER", ["strides"] = Two }), nn.functional.conv2d(x, w, strides: Two));
        });
        yield return Case("Conv 1-D: stride, pads, dilation, bias", () =>
        {
            var (x, w, b) = (randn(2, 3, 11), randn(4, 3, 3), randn(4));
            return (Eval("Conv", new[] { x, w, b }, new() { ["strides"] = new long[] { 2 }, ["pads"] = new long[] { 2, 2 }, ["dilations"] = new long[] { 2 } }), nn.functional.conv1d(x, w, b, 2, 2, 2));
        });
        yield return Case("Conv 3-D grouped, with stride and bias", () =>
        {
            var (x, w, b) = (randn(new long[] { 1, 4, 5, 6, 7 }), randn(new long[] { 6, 2, 2, 3, 2 }), randn(6));
            return (Eval("Conv", new[] { x, w, b }, new() { ["group"] = 2L, ["strides"] = new long[] { 1, 2, 2 }, ["pads"] = new long[] { 1, 1, 0, 1, 1, 0 } }),
                nn.functional.conv3d(x, w, b, new long[] { 1, 2, 2 }, new long[] { 1, 1, 0 }, groups: 2));
        });
        yield return Case("Gemm: transB 1 with a bias is Linear", () =>
        {
            var (x, w, b) = (randn(4, 6), randn(5, 6), randn(5));
            return (Eval("Gemm", new[] { x, w, b }, new() { ["transB"] = 1L }), nn.functional.linear(x, w, b));
        });
        yield return Case("Gemm: alpha, beta, transA, and C of shape [M, 1]", () =>
        {
            var (a, b, c) = (randn(6, 4), randn(6, 5), randn(4, 1));
            return (Eval("Gemm", new[] { a, b, c }, new() { ["alpha"] = 0.5, ["beta"] = 2.0, ["transA"] = 1L }), (a.t().matmul(b) * 0.5) + (c * 2));
        });
        yield return Case("Gemm: no C, nothing transposed by default", () =>
        {
            var (a, b) = (randn(3, 4), randn(4, 5));
            return (Eval("Gemm", new[] { a, b }), a.matmul(b));
        });
        yield return Case("Gemm: a scalar C", () =>
        {
            var (a, b) = (randn(3, 4), randn(5, 4));
            return (Eval("Gemm", new[] { a, b, tensor(1.5f) }, new() { ["transB"] = 1L }), a.matmul(b.t()) + 1.5);
        });
        yield return Case("BatchNormalization: inference form, epsilon 1e-5 by default", () =>
        {
            var (x, scale, bias, mean, variance) = (randn(2, 3, 4, 5), randn(3), randn(3), randn(3), rand(3) + 0.5);
            return (Eval("BatchNormalization", new[] { x, scale, bias, mean, variance }),
                ((x - mean.view(1, 3, 1, 1)) / (variance.view(1, 3, 1, 1) + 1e-5).sqrt() * scale.view(1, 3, 1, 1)) + bias.view(1, 3, 1, 1));
        });
        yield return Case("BatchNormalization: [batch, channels] input and an epsilon", () =>
        {
            var (x, scale, bias, mean, variance) = (randn(4, 3), randn(3), randn(3), randn(3), rand(3) + 0.5);
            return (Eval("BatchNormalization", new[] { x, scale, bias, mean, variance }, new() { ["epsilon"] = 0.25 }), ((x - mean) / (variance + 0.25).sqrt() * scale) + bias);
        });
        yield return Case("LayerNormalization: the last axis, epsilon 1e-5 by default, a bias", () =>
        {
            var (x, scale, bias) = (randn(2, 3, 5), randn(5), randn(5));
            return (Eval("LayerNormalization", new[] { x, scale, bias }), (Normalized(x, new long[] { -1 }, 1e-5) * scale) + bias);
        });
        yield return Case("LayerNormalization: axis 1 of three, an epsilon, Scale with a leading 1, no bias", () =>
        {
            var (x, scale) = (randn(2, 3, 4), randn(1, 3, 4));
            return (Eval("LayerNormalization", new[] { x, scale }, new() { ["axis"] = 1L, ["epsilon"] = 0.25 }), Normalized(x, new long[] { 1, 2 }, 0.25) * scale);
        });
        yield return Case("Pad constant: a value, on two axes", () =>
        {
            var x = randn(2, 3);
            var widened = torch.cat(new[] { full(2, 1, 1.5f), x, full(2, 2, 1.5f) }, 1);
            return (Eval("Pad", new[] { x, tensor(new long[] { 0, 1, 1, 2 }), tensor(1.5f) }), torch.cat(new[] { widened, full(1, 6, 1.5f) }));
        });
        yield return Case("Pad constant: zeros by default, a negative pad crops", () =>
        {
            var x = randn(3, 5);
            return (Eval("Pad", new[] { x, tensor(new long[] { 0, -2, 0, 1 }) }), torch.cat(new[] { x[.., 2..], zeros(3, 1) }, 1));
        });
        yield return Case("Pad reflect on the last two axes", () =>
        {
            var x = randn(2, 3, 5, 4);
            return (Eval("Pad", new[] { x, tensor(new long[] { 0, 0, 2, 1, 0, 0, 1, 3 }) }, new() { ["mode"] = "reflect" }), nn.functional.pad(x, new long[] { 1, 3, 2, 1 }, PaddingModes.Reflect));
        });
        yield return Case("Pad edge on the first axes, which libtorch's replicate mode does not pad", () =>
        {
            var x = randn(3, 4);
            var rows = torch.cat(new[] { x[..1], x[..1], x, x[2..] });
            return (Eval("Pad", new[] { x, tensor(new long[] { 2, 0, 1, 1 }) }, new() { ["mode"] = "edge" }), torch.cat(new[] { rows, rows[.., 3..] }, 1));
        });
        yield return Case("Cast to FLOAT, DOUBLE, INT32 and INT64 (truncating toward zero)", () =>
        {
            var x = tensor(new[] { -2.7, -0.5, 0.5, 3.9 });
            return (torch.cat(new[] { Eval("Cast", new[] { x }, new() { ["to"] = 1L }).to(float64), Eval("Cast", new[] { x }, new() { ["to"] = 11L }), Eval("Cast", new[] { x }, new() { ["to"] = 6L }).to(float64), Eval("Cast", new[] { x }, new() { ["to"] = 7L }).to(float64) }),
                torch.cat(new[] { x.to(float32).to(float64), x, tensor(new[] { -2.0, 0, 0, 3 }), tensor(new[] { -2.0, 0, 0, 3 }) }));
        });
    }

    [TestCaseSource(nameof(Operators))]
    public void TryEvaluate_LayerOperator_MatchesTorchSharp(string name, Func<(Tensor Actual, Tensor Expected)> compute)
    {
        _ = name;
        EvaluatedOperator.ShouldMatch(compute, 960, 1e-5, "both sides are TorchSharp computations, up to rounding");
    }

    [Test]
    public void TryEvaluate_CastToEachType_GivesThatType()
    {
        using var x = tensor(new[] { 1.5f });

        Types(new[] { 1L, 11L, 6L, 7L }).Should().Equal(float32, float64, int32, int64);

        ScalarType[] Types(long[] targets) => targets.Select(t => Eval("Cast", new[] { x }, new() { ["to"] = t }).dtype).ToArray();
    }

    [TestCase("edge")]
    [TestCase("reflect")]
    [TestCase("constant")]
    public void TryEvaluate_PadOnTwoAxes_LeavesOnlyItsResultInTheCallersScope(string mode)
    {
        // Edge and reflect padding left their index arithmetic and the first axis's gather in the caller's scope, and
        // constant padding its value's double copy: freed only when that scope ended (an export's, at its end).
        using var scope = torch.NewDisposeScope();
        var (x, pads) = (randn(3, 4), tensor(new long[] { 2, 1, 1, 2 }));
        var inputs = mode == "constant" ? new Tensor?[] { x, pads, tensor(1.5f) } : new Tensor?[] { x, pads };
        var held = scope.DisposablesCount;

        var y = SampleEvaluator.TryEvaluate("Pad", inputs, new Dictionary<string, object> { ["mode"] = mode }, out var reason);

        y.Should().NotBeNull(reason);
        y!.shape.Should().Equal(6, 7);
        scope.DisposablesCount.Should().Be(held + 1, "the result is all the operator leaves in the caller's scope");
    }

    [Test]
    public void TryEvaluate_SplitWithItsOneSize_IsTheInput()
    {
        // A node has one output, so a Split's one part is the whole axis.
        using var x = randn(2, 7, 3);
        using var sizes = tensor(new long[] { 7 });

        using var part = SampleEvaluator.TryEvaluate("Split", new Tensor?[] { x, sizes }, new Dictionary<string, object> { ["axis"] = -2L }, out var reason);

        part.Should().NotBeNull(reason);
        part!.allclose(x, 0, 0).Should().BeTrue();
    }

    [Test]
    public void TryEvaluate_SplitWithoutSizes_IsTheInput()
    {
        using var x = randn(6, 4);

        using var part = SampleEvaluator.TryEvaluate("Split", new Tensor?[] { x }, null, out var reason);

        part.Should().NotBeNull(reason);
        part!.allclose(x, 0, 0).Should().BeTrue();
    }

    public static IEnumerable<TestCaseData> Refused()
    {
        yield return Refusal("Split: sizes that do not add up", "Split", () => new Tensor?[] { randn(7, 2), tensor(new long[] { 3, 3 }) }, null, "add up");
        yield return Refusal("Split: the opset-11 'split' attribute", "Split", () => new Tensor?[] { randn(6, 2) }, new() { ["split"] = new long[] { 3, 3 } }, "since opset 13 it takes the sizes as an input");
        yield return Refusal("Split: opset 18's num_outputs", "Split", () => new Tensor?[] { randn(6, 2) }, new() { ["num_outputs"] = 2L }, "'num_outputs'");
        yield return Refusal("Gemm: a C that would grow the product", "Gemm", () => new Tensor?[] { randn(3, 4), randn(4, 5), randn(2, 3, 5) }, null, "does not broadcast");
        yield return Refusal("Gemm: a 3-D input", "Gemm", () => new Tensor?[] { randn(2, 3, 4), randn(4, 5) }, null, "two matrices");
        yield return Refusal("Gemm: inputs of two types", "Gemm", () => new Tensor?[] { randn(3, 4), randn(4, 5, float64) }, null, "different types");
        yield return Refusal("Conv: a kernel_shape other than the weight's", "Conv", () => new Tensor?[] { randn(1, 2, 6, 6), randn(3, 2, 3, 3) }, new() { ["kernel_shape"] = new long[] { 2, 2 } }, "kernel_shape");
        yield return Refusal("Conv: auto_pad SAME with dilations", "Conv", () => new Tensor?[] { randn(1, 2, 6, 6), randn(3, 2, 3, 3) }, new() { ["auto_pad"] = "SAME_UPPER", ["dilations"] = Two }, "dilations");
        yield return Refusal("Conv: auto_pad SAME cutting the start", "Conv", () => new Tensor?[] { randn(1, 2, 3, 3), randn(3, 2, 1, 1) }, new() { ["auto_pad"] = "SAME_UPPER", ["strides"] = new long[] { 3, 3 } }, "negative amount");
        yield return Refusal("Conv: auto_pad and pads together", "Conv", () => new Tensor?[] { randn(1, 2, 6, 6), randn(3, 2, 3, 3) }, new() { ["auto_pad"] = "VALID", ["pads"] = new long[] { 1, 1, 1, 1 } }, "together");
        yield return Refusal("Conv: input channels that the weight and group do not take", "Conv", () => new Tensor?[] { randn(1, 4, 6, 6), randn(3, 2, 3, 3) }, null, "Conv fails (");
        yield return Refusal("BatchNormalization: training_mode 1", "BatchNormalization", () => new Tensor?[] { randn(4, 3), randn(3), randn(3), randn(3), rand(3) }, new() { ["training_mode"] = 1L }, "training_mode");
        yield return Refusal("LayerNormalization: a Scale of another shape than the normalised axes", "LayerNormalization", () => new Tensor?[] { randn(2, 3, 4), randn(4) }, new() { ["axis"] = 1L }, "its Scale has shape [4]");
        yield return Refusal("LayerNormalization: an axis beyond the input's", "LayerNormalization", () => new Tensor?[] { randn(2, 3), randn(3) }, new() { ["axis"] = 2L }, "outside");
        yield return Refusal("LayerNormalization: stash_type 0", "LayerNormalization", () => new Tensor?[] { randn(2, 3), randn(3) }, new() { ["stash_type"] = 0L }, "stash_type");
        yield return Refusal("LayerNormalization: Scale of another type", "LayerNormalization", () => new Tensor?[] { randn(2, 3), randn(new long[] { 3 }, float64) }, null, "different types");
        yield return Refusal("Pad: int32 pads", "Pad", () => new Tensor?[] { randn(2, 3), tensor(new[] { 0, 1, 0, 1 }) }, null, "int64");
        yield return Refusal("Pad: pads for some axes only", "Pad", () => new Tensor?[] { randn(2, 3), tensor(new long[] { 1, 1 }) }, null, "are not 4 numbers");
        yield return Refusal("Pad: opset 18's axes input", "Pad", () => new Tensor?[] { randn(2, 3), tensor(new long[] { 1, 1 }), null, tensor(new long[] { 1 }) }, null, "opset 18");
        yield return Refusal("Pad: a reflection as wide as the axis", "Pad", () => new Tensor?[] { randn(2, 3), tensor(new long[] { 0, 3, 0, 0 }) }, new() { ["mode"] = "reflect" }, "at most the size less 1");
        yield return Refusal("Pad: a negative pad in edge mode", "Pad", () => new Tensor?[] { randn(2, 3), tensor(new long[] { 0, -1, 0, 1 }) }, new() { ["mode"] = "edge" }, "negative");
        yield return Refusal("Pad: opset 19's wrap mode", "Pad", () => new Tensor?[] { randn(2, 3), tensor(new long[] { 0, 1, 0, 1 }) }, new() { ["mode"] = "wrap" }, "opset 19");
        yield return Refusal("Pad: a constant_value of another type", "Pad", () => new Tensor?[] { randn(2, 3), tensor(new long[] { 0, 1, 0, 1 }), tensor(1.0) }, null, "constant_value");
        yield return Refusal("Pad: pads that remove more than the axis", "Pad", () => new Tensor?[] { randn(2, 3), tensor(new long[] { 0, -2, 0, -2 }) }, null, "remove more");
        yield return Refusal("Cast: a type the exporter does not write (float16)", "Cast", () => new Tensor?[] { randn(3) }, new() { ["to"] = 10L }, "element type 10");
        yield return Refusal("ReduceMean: opset 18's axes input", "ReduceMean", () => new Tensor?[] { randn(2, 3), tensor(new long[] { 1 }) }, null, "opset 18");
        yield return Refusal("ReduceMax: opset 18's axes input", "ReduceMax", () => new Tensor?[] { randn(2, 3), tensor(new long[] { 1 }) }, null, "opset 18");
    }

    [TestCaseSource(nameof(Refused))]
    public void TryEvaluate_FormOnnxRuntimeRefusesOrComputesOtherwise_IsUnknownSayingWhy(string name, string opType, Func<Tensor?[]> inputs, Dictionary<string, object>? attributes, string because)
    {
        _ = name;
        torch.manual_seed(961);
        using var scope = torch.NewDisposeScope();

        SampleEvaluator.TryEvaluate(opType, inputs(), attributes, out var reason).Should().BeNull();

        reason.Should().Contain(because);
    }

    private static readonly long[] Two = { 2, 2 };

    /// <summary>(x − mean) / sqrt(var + epsilon) over <paramref name="axes"/>, the variance biased (ONNX's and LayerNorm's).</summary>
    private static Tensor Normalized(Tensor x, long[] axes, double epsilon)
    {
        var centred = x - x.mean(axes, keepdim: true);
        return centred / (centred.pow(2).mean(axes, keepdim: true) + epsilon).sqrt();
    }

    private static TestCaseData Case(string name, Func<(Tensor Actual, Tensor Expected)> compute) =>
        new TestCaseData(name, compute).SetArgDisplayNames(name);

    private static TestCaseData Refusal(string name, string opType, Func<Tensor?[]> inputs, Dictionary<string, object>? attributes, string because) =>
        new TestCaseData(name, opType, inputs, attributes, because).SetArgDisplayNames(name);
}
