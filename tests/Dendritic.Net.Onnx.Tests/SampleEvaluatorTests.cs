using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Dendritic.Onnx.Export;
using Dendritic.Onnx.Tests.Support;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static Dendritic.Onnx.Tests.Support.EvaluatedOperator;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// The evaluator computes each ONNX operator by ONNX's definition (opset 17, its attribute defaults), checked here
/// against TorchSharp's own operation written out in the test.
/// </summary>
public class SampleEvaluatorTests
{
    private static readonly long[] Two = { 2, 2 };

    public static IEnumerable<TestCaseData> Operators()
    {
        yield return Case("MaxPool 2-D: stride, padding, dilation, ceil", () =>
        {
            var x = randn(2, 3, 9, 9);
            return (Eval("MaxPool", new[] { x }, new() { ["kernel_shape"] = new long[] { 3, 2 }, ["strides"] = Two, ["pads"] = new long[] { 1, 1, 1, 1 }, ["dilations"] = new long[] { 1, 2 }, ["ceil_mode"] = 1L }),
                nn.functional.max_pool2d(x, new long[] { 3, 2 }, Two, new long[] { 1, 1 }, new long[] { 1, 2 }, ceil_mode: true));
        });
        yield return Case("MaxPool: strides default to 1 (not the kernel)", () =>
        {
            var x = randn(2, 3, 6, 6);
            return (Eval("MaxPool", new[] { x }, new() { ["kernel_shape"] = Two }), nn.functional.max_pool2d(x, Two, new long[] { 1, 1 }));
        });
        yield return Case("MaxPool 1-D", () =>
        {
            var x = randn(2, 3, 11);
            return (Eval("MaxPool", new[] { x }, new() { ["kernel_shape"] = new long[] { 3 }, ["strides"] = new long[] { 2 }, ["pads"] = new long[] { 1, 1 } }), nn.functional.max_pool1d(x, 3, 2, 1));
        });
        yield return Case("MaxPool 3-D", () =>
        {
            var x = randn(new long[] { 1, 2, 5, 6, 7 });
            return (Eval("MaxPool", new[] { x }, new() { ["kernel_shape"] = new long[] { 2, 2, 2 }, ["strides"] = new long[] { 2, 2, 2 } }), nn.functional.max_pool3d(x, new long[] { 2, 2, 2 }, new long[] { 2, 2, 2 }));
        });
        yield return Case("AveragePool: padding left out of the count by default", () =>
        {
            var x = randn(2, 3, 7, 7);
            return (Eval("AveragePool", new[] { x }, new() { ["kernel_shape"] = new long[] { 3, 3 }, ["strides"] = Two, ["pads"] = new long[] { 1, 1, 1, 1 } }),
                nn.functional.avg_pool2d(x, new long[] { 3, 3 }, Two, new long[] { 1, 1 }, count_include_pad: false));
        });
        yield return Case("AveragePool: count_include_pad 1", () =>
        {
            var x = randn(2, 3, 7, 7);
            return (Eval("AveragePool", new[] { x }, new() { ["kernel_shape"] = new long[] { 3, 3 }, ["strides"] = Two, ["pads"] = new long[] { 1, 1, 1, 1 }, ["count_include_pad"] = 1L }),
                nn.functional.avg_pool2d(x, new long[] { 3, 3 }, Two, new long[] { 1, 1 }, count_include_pad: true));
        });
        yield return Case("AveragePool 1-D", () =>
        {
            var x = randn(2, 3, 10);
            return (Eval("AveragePool", new[] { x }, new() { ["kernel_shape"] = new long[] { 2 }, ["strides"] = new long[] { 2 } }), nn.functional.avg_pool1d(x, 2, 2));
        });
        yield return Case("GlobalAveragePool", () =>
        {
            var x = randn(2, 3, 5, 4);
            return (Eval("GlobalAveragePool", new[] { x }), nn.functional.adaptive_avg_pool2d(x, new long[] { 1, 1 }));
        });
        yield return Case("GlobalMaxPool", () =>
        {
            var x = randn(2, 3, 5, 4);
            return (Eval("GlobalMaxPool", new[] { x }), nn.functional.adaptive_max_pool2d(x, new long[] { 1, 1 }));
        });
        yield return Case("Flatten: axis 1 by default", () =>
        {
            var x = randn(2, 3, 4, 5);
            return (Eval("Flatten", new[] { x }), x.flatten(1));
        });
        yield return Case("Flatten: axis 0 and a negative axis", () =>
        {
            var x = randn(2, 3, 4, 5);
            return (torch.cat(new[] { Eval("Flatten", new[] { x }, new() { ["axis"] = 0L }), Eval("Flatten", new[] { x }, new() { ["axis"] = -1L }).reshape(1, -1) }), torch.cat(new[] { x.reshape(1, -1), x.reshape(24, 5).reshape(1, -1) }));
        });
        yield return Case("Reshape: 0 keeps the dimension, -1 is inferred", () =>
        {
            var x = randn(2, 3, 4);
            return (Eval("Reshape", new[] { x, tensor(new long[] { 0, -1, 2 }) }), x.reshape(2, 6, 2));
        });
        yield return Case("Transpose: reversed by default, or perm", () =>
        {
            var x = randn(2, 3, 4);
            return (torch.cat(new[] { Eval("Transpose", new[] { x }).flatten(), Eval("Transpose", new[] { x }, new() { ["perm"] = new long[] { 0, 2, 1 } }).flatten() }),
                torch.cat(new[] { x.permute(2, 1, 0).flatten(), x.permute(0, 2, 1).flatten() }));
        });
        yield return Case("Concat along a negative axis", () =>
        {
            var a = randn(2, 3);
            var b = randn(2, 4);
            return (Eval("Concat", new[] { a, b }, new() { ["axis"] = -1L }), torch.cat(new[] { a, b }, 1));
        });
        yield return Case("Squeeze: given axes, or every axis of size 1", () =>
        {
            var x = randn(2, 1, 3, 1);
            return (torch.cat(new[] { Eval("Squeeze", new[] { x, tensor(new long[] { -1 }) }).flatten(), Eval("Squeeze", new[] { x }).flatten() }),
                torch.cat(new[] { x.squeeze(3).flatten(), x.reshape(2, 3).flatten() }));
        });
        yield return Case("Unsqueeze: axes counted in the output", () =>
        {
            var x = randn(2, 3);
            return (Eval("Unsqueeze", new[] { x, tensor(new long[] { -1, 0 }) }), x.unsqueeze(0).unsqueeze(-1));
        });
        yield return Case("Gather: a scalar index removes the axis", () =>
        {
            var x = randn(2, 5, 3);
            return (Eval("Gather", new[] { x, tensor(-1L) }, new() { ["axis"] = 1L }), x.select(1, 4));
        });
        yield return Case("Gather: an index tensor, negative indices", () =>
        {
            var x = randn(4, 3);
            return (Eval("Gather", new[] { x, tensor(new long[,] { { 0, -1 }, { 2, 2 } }) }), torch.stack(new[] { x[0], x[3], x[2], x[2] }).reshape(2, 2, 3));
        });
        yield return Case("Slice: negative start, end past the axis, step 2, given axes", () =>
        {
            var x = randn(3, 8, 5);
            return (Eval("Slice", new[] { x, tensor(new long[] { -7, 1 }), tensor(new long[] { long.MaxValue, 4 }), tensor(new long[] { 1, -1 }), tensor(new long[] { 2, 1 }) }),
                x.slice(1, 1, 8, 2).slice(2, 1, 4, 1));
        });
        yield return Case("Softmax: the last axis by default", () =>
        {
            var x = randn(2, 3, 4);
            return (Eval("Softmax", new[] { x }), x.softmax(-1));
        });
        yield return Case("LogSoftmax along axis 1", () =>
        {
            var x = randn(2, 3, 4);
            return (Eval("LogSoftmax", new[] { x }, new() { ["axis"] = 1L }), x.log_softmax(1));
        });
        yield return Case("LeakyRelu: alpha 0.01 by default", () =>
        {
            var x = randn(20) * 3;
            return (Eval("LeakyRelu", new[] { x }), nn.functional.leaky_relu(x, 0.01));
        });
        yield return Case("Elu with alpha", () =>
        {
            var x = randn(20) * 3;
            return (Eval("Elu", new[] { x }, new() { ["alpha"] = 0.5 }), nn.functional.elu(x, 0.5));
        });
        yield return Case("Selu: PyTorch's constants by default", () =>
        {
            var x = randn(20) * 3;
            return (Eval("Selu", new[] { x }), nn.functional.selu(x));
        });
        yield return Case("HardSigmoid: alpha 0.2, beta 0.5 by default (not PyTorch's 1/6)", () =>
        {
            var x = randn(20) * 4;
            return (Eval("HardSigmoid", new[] { x }), (x * 0.2 + 0.5).clamp(0.0, 1.0));
        });
        yield return Case("HardSwish", () =>
        {
            var x = randn(20) * 4;
            return (Eval("HardSwish", new[] { x }), nn.functional.hardswish(x));
        });
        yield return Case("Softplus and Softsign", () =>
        {
            var x = randn(20) * 4;
            return (torch.cat(new[] { Eval("Softplus", new[] { x }), Eval("Softsign", new[] { x }) }), torch.cat(new[] { nn.functional.softplus(x), x / (x.abs() + 1) }));
        });
        yield return Case("Clip: min only, then both bounds", () =>
        {
            var x = randn(20) * 4;
            return (torch.cat(new[] { Eval("Clip", new Tensor?[] { x, tensor(-1f) }), Eval("Clip", new Tensor?[] { x, tensor(-1f), tensor(2f) }), Eval("Clip", new Tensor?[] { x, null, tensor(2f) }) }),
                torch.cat(new[] { x.clamp_min(-1), x.clamp(-1, 2), x.clamp_max(2) }));
        });
        yield return Case("Log, Sqrt, Reciprocal, Erf, Pow", () =>
        {
            var x = rand(20) + 0.5;
            var y = randn(20);
            return (torch.cat(new[] { Eval("Log", new[] { x }), Eval("Sqrt", new[] { x }), Eval("Reciprocal", new[] { x }), Eval("Erf", new[] { y }), Eval("Pow", new[] { x, y }) }),
                torch.cat(new[] { x.log(), x.sqrt(), 1 / x, y.erf(), x.pow(y) }));
        });
        yield return Case("MatMul, batched", () =>
        {
            var a = randn(2, 3, 4);
            var b = randn(4, 5);
            return (Eval("MatMul", new[] { a, b }), torch.einsum("bij,jk->bik", a, b));
        });
        yield return Case("Max, Min and Sum of three inputs", () =>
        {
            var a = randn(6);
            var b = randn(6);
            var c = randn(6);
            return (torch.cat(new[] { Eval("Max", new[] { a, b, c }), Eval("Min", new[] { a, b, c }), Eval("Sum", new[] { a, b, c }) }),
                torch.cat(new[] { torch.stack(new[] { a, b, c }).amax(0), torch.stack(new[] { a, b, c }).amin(0), a + b + c }));
        });
        yield return Case("ReduceMean and ReduceMax: axes attribute, keepdims", () =>
        {
            var x = randn(2, 3, 4);
            return (torch.cat(new[] { Eval("ReduceMean", new[] { x }, new() { ["axes"] = new long[] { -1 } }).flatten(), Eval("ReduceMax", new[] { x }, new() { ["axes"] = new long[] { 1 }, ["keepdims"] = 0L }).flatten(), Eval("ReduceMean", new[] { x }).flatten() }),
                torch.cat(new[] { x.mean(new long[] { 2 }).flatten(), x.amax(new long[] { 1 }).flatten(), x.mean().flatten() }));
        });
        yield return Case("ReduceSum: axes as an input", () =>
        {
            var x = randn(2, 3, 4);
            return (Eval("ReduceSum", new[] { x, tensor(new long[] { 0, 2 }) }), x.sum(new long[] { 0, 2 }, keepdim: true));
        });
        yield return Case("Shape, with start and end", () =>
        {
            var x = randn(2, 3, 4, 5);
            return (torch.cat(new[] { Eval("Shape", new[] { x }), Eval("Shape", new[] { x }, new() { ["start"] = 1L, ["end"] = -1L }) }), tensor(new long[] { 2, 3, 4, 5, 3, 4 }));
        });
    }

    [TestCaseSource(nameof(Operators))]
    public void TryEvaluate_Operator_MatchesTorchSharp(string name, Func<(Tensor Actual, Tensor Expected)> compute)
    {
        _ = name;
        EvaluatedOperator.ShouldMatch(compute, 900, 1e-6, "both sides are the same TorchSharp computation, up to rounding");
    }

    [Test]
    public void TryEvaluate_UnknownOperator_IsUnknownNamingIt()
    {
        using var x = randn(2, 3);

        SampleEvaluator.TryEvaluate("CumSum", new Tensor?[] { x, tensor(1L) }, null, out var reason).Should().BeNull();

        reason.Should().Be("the exporter does not compute CumSum");
    }

    [Test]
    public void TryEvaluate_AsymmetricPads_IsUnknownSayingSo()
    {
        using var x = randn(1, 1, 6, 6);
        var attributes = new Dictionary<string, object> { ["kernel_shape"] = Two, ["pads"] = new long[] { 0, 0, 1, 1 } };

        SampleEvaluator.TryEvaluate("MaxPool", new Tensor?[] { x }, attributes, out var reason).Should().BeNull();

        reason.Should().StartWith("MaxPool: its pads [0, 0, 1, 1] differ");
    }

    [Test]
    public void TryEvaluate_ReshapeTheSampleCannotTake_IsUnknownWithLibTorchsReason()
    {
        using var x = randn(2, 3);
        using var shape = tensor(new long[] { 4, -1 });

        SampleEvaluator.TryEvaluate("Reshape", new Tensor?[] { x, shape }, null, out var reason).Should().BeNull();

        reason.Should().StartWith("Reshape fails (");
    }

    [Test]
    public void TryEvaluate_MissingRequiredInput_IsUnknown()
    {
        using var x = randn(2, 3);

        SampleEvaluator.TryEvaluate("Add", new Tensor?[] { x }, null, out var reason).Should().BeNull();

        reason.Should().Contain("Add has 1 inputs");
    }

    [Test]
    public void Known_EveryOperator_IsListedInDocsExport()
    {
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "docs", "export.md"));
        docs.Should().Contain("### How descriptions are checked");
        var section = docs[docs.IndexOf("### How descriptions are checked", StringComparison.Ordinal)..];

        SampleEvaluator.Known.Where(op => !section.Contains($"`{op}`", StringComparison.Ordinal)).Should().BeEmpty("docs/export.md lists every operator the check computes");
    }

    private static TestCaseData Case(string name, Func<(Tensor Actual, Tensor Expected)> compute) =>
        new TestCaseData(name, compute).SetArgDisplayNames(name);
}
