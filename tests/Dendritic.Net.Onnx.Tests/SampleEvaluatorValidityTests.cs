using System.Collections.Generic;
using Dendritic.Onnx.Export;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// Nodes that ONNX Runtime would refuse or compute differently are not given a value the check could pass with: an
/// attribute the operator does not take in opset 17, inputs of different types, an index out of range. Integer
/// division truncates, as ONNX's does.
/// </summary>
public class SampleEvaluatorValidityTests
{
    [Test]
    public void TryEvaluate_SqueezeWithAxesAttribute_IsUnknownSayingAxesAreAnInput()
    {
        using var x = randn(2, 4);
        var attributes = new Dictionary<string, object> { ["axes"] = new long[] { 1 } };

        SampleEvaluator.TryEvaluate("Squeeze", new Tensor?[] { x }, attributes, out var reason).Should().BeNull();

        reason.Should().Contain("'axes'").And.Contain("opset 13").And.Contain("input");
    }

    [Test]
    public void TryEvaluate_ReduceSumWithAxesAttribute_IsUnknownSayingAxesAreAnInput()
    {
        using var x = randn(2, 4);
        var attributes = new Dictionary<string, object> { ["axes"] = new long[] { 1 } };

        SampleEvaluator.TryEvaluate("ReduceSum", new Tensor?[] { x }, attributes, out var reason).Should().BeNull();

        reason.Should().Contain("'axes'").And.Contain("opset 13").And.Contain("input");
    }

    [Test]
    public void TryEvaluate_UnsqueezeWithAxesAttributeAndInput_IsUnknown()
    {
        using var x = randn(2, 4);
        using var axes = tensor(new long[] { 0 });
        var attributes = new Dictionary<string, object> { ["axes"] = new long[] { 1 } };

        SampleEvaluator.TryEvaluate("Unsqueeze", new Tensor?[] { x, axes }, attributes, out var reason).Should().BeNull();

        reason.Should().Contain("'axes'");
    }

    [Test]
    public void TryEvaluate_AttributeTheOperatorDoesNotTake_IsUnknownNamingIt()
    {
        using var x = randn(2, 4);
        var attributes = new Dictionary<string, object> { ["alpha"] = 0.5 };

        SampleEvaluator.TryEvaluate("Relu", new Tensor?[] { x }, attributes, out var reason).Should().BeNull();

        reason.Should().StartWith("Relu: ").And.Contain("'alpha'");
    }

    [Test]
    public void TryEvaluate_AveragePoolWithDilations_IsUnknown()
    {
        using var x = randn(1, 1, 6, 6);
        var attributes = new Dictionary<string, object> { ["kernel_shape"] = new long[] { 2, 2 }, ["dilations"] = new long[] { 1, 1 } };

        SampleEvaluator.TryEvaluate("AveragePool", new Tensor?[] { x }, attributes, out var reason).Should().BeNull();

        reason.Should().Contain("'dilations'");
    }

    [Test]
    public void TryEvaluate_AttributesTheOperatorTakes_AreComputed()
    {
        using var x = randn(1, 1, 6, 6);
        var attributes = new Dictionary<string, object>
        {
            ["kernel_shape"] = new long[] { 2, 2 }, ["strides"] = new long[] { 2, 2 }, ["pads"] = new long[] { 0, 0, 0, 0 },
            ["dilations"] = new long[] { 1, 1 }, ["ceil_mode"] = 0L, ["auto_pad"] = "NOTSET", ["storage_order"] = 0L,
        };

        using var value = SampleEvaluator.TryEvaluate("MaxPool", new Tensor?[] { x }, attributes, out var reason);

        value.Should().NotBeNull(reason);
        value!.shape.Should().Equal(1, 1, 3, 3);
    }

    [Test]
    public void TryEvaluate_IntegerDiv_TruncatesTowardZero()
    {
        using var a = tensor(new long[] { 7, -7, 6 });
        using var b = tensor(new long[] { 2, 2, -4 });

        using var value = SampleEvaluator.TryEvaluate("Div", new Tensor?[] { a, b }, null, out var reason);

        value.Should().NotBeNull(reason);
        value!.dtype.Should().Be(int64);
        value.data<long>().ToArray().Should().Equal(3, -3, -1);
    }

    [Test]
    public void TryEvaluate_FloatDiv_IsTrueDivision()
    {
        using var a = tensor(new[] { 7f, -7f });
        using var b = tensor(new[] { 2f, 2f });

        using var value = SampleEvaluator.TryEvaluate("Div", new Tensor?[] { a, b }, null, out var reason);

        value.Should().NotBeNull(reason);
        value!.data<float>().ToArray().Should().Equal(3.5f, -3.5f);
    }

    [TestCase("Add")]
    [TestCase("Sub")]
    [TestCase("Mul")]
    [TestCase("Div")]
    [TestCase("Sum")]
    public void TryEvaluate_InputsOfDifferentTypes_IsUnknownNamingTheTypes(string opType)
    {
        using var a = tensor(new[] { 7f, -7f });
        using var b = tensor(new long[] { 2, 2 });

        SampleEvaluator.TryEvaluate(opType, new Tensor?[] { a, b }, null, out var reason).Should().BeNull();

        reason.Should().StartWith(opType + ": ").And.Contain("Float32").And.Contain("Int64");
    }

    [TestCase(-3L)]
    [TestCase(2L)]
    public void TryEvaluate_GatherScalarIndexOutOfRange_IsUnknown(long index)
    {
        using var x = randn(2, 3);
        using var indices = tensor(index);

        SampleEvaluator.TryEvaluate("Gather", new Tensor?[] { x, indices }, null, out var reason).Should().BeNull();

        reason.Should().StartWith("Gather: ").And.Contain("out of range");
    }

    [Test]
    public void TryEvaluate_GatherIndicesOutOfRange_IsUnknown()
    {
        using var x = randn(2, 3);
        using var indices = tensor(new long[] { 0, -4 });

        SampleEvaluator.TryEvaluate("Gather", new Tensor?[] { x, indices }, new Dictionary<string, object> { ["axis"] = 1L }, out var reason).Should().BeNull();

        reason.Should().StartWith("Gather: ").And.Contain("out of range");
    }

    [Test]
    public void TryEvaluate_GatherNegativeIndicesInRange_CountFromTheEnd()
    {
        using var x = arange(6, int64).reshape(2, 3);
        using var indices = tensor(new long[] { -3, -1, 2 });

        using var value = SampleEvaluator.TryEvaluate("Gather", new Tensor?[] { x, indices }, new Dictionary<string, object> { ["axis"] = 1L }, out var reason);

        value.Should().NotBeNull(reason);
        value!.data<long>().ToArray().Should().Equal(0, 2, 2, 3, 5, 5);
    }
}
