using System;
using System.Collections.Generic;
using Dendritic.Onnx.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// Which nodes the builder computes on the sample: none while a module's own run gives the value
/// (<see cref="OnnxGraphBuilder.WithoutNodeSamples{T}"/>, whose scopes nest), and none of more than one output.
/// </summary>
public class NodeSampleScopeTests
{
    [Test]
    public void AddNode_WhileAModuleRunGivesSamples_ComputesNothing()
    {
        // A converter's nodes while the module's own run gives its output the value: computing them would be waste.
        using var scope = torch.NewDisposeScope();
        using var owner = new TestBuilder();
        var builder = owner.Builder;
        builder.SetSample("x", randn(2, 3));

        var relu = builder.WithoutNodeSamples(true, () => builder.AddNode("Relu", new[] { "x" }));

        builder.Sample(relu).Should().BeNull();
        builder.ModuleRunGivesSamples.Should().BeFalse();
    }

    [Test]
    public void WithoutNodeSamples_NestedScopeEnds_GivesBackTheOuterScopesValue()
    {
        using var scope = torch.NewDisposeScope();
        using var owner = new TestBuilder();
        var builder = owner.Builder;
        builder.SetSample("x", randn(2, 3));
        var inside = new List<bool>();

        var afterInner = builder.WithoutNodeSamples(true, () =>
        {
            builder.WithoutNodeSamples(true, () => builder.AddNode("Relu", new[] { "x" }));
            inside.Add(builder.ModuleRunGivesSamples);
            builder.WithoutNodeSamples(false, () => builder.AddNode("Relu", new[] { "x" }));
            inside.Add(builder.ModuleRunGivesSamples);
            return builder.AddNode("Relu", new[] { "x" });
        });
        var afterOuter = builder.AddNode("Relu", new[] { "x" });

        inside.Should().Equal(true, true);
        builder.Sample(afterInner).Should().BeNull("the outer scope still holds when the inner ones end");
        builder.Sample(afterOuter).Should().NotBeNull();
        builder.ModuleRunGivesSamples.Should().BeFalse();
    }

    [Test]
    public void WithoutNodeSamples_EmitThrows_GivesBackThePreviousValue()
    {
        using var owner = new TestBuilder();
        var builder = owner.Builder;

        builder.WithoutNodeSamples(true, () =>
        {
            var act = () => builder.WithoutNodeSamples<string>(false, () => throw new InvalidOperationException("converter failed"));
            act.Should().Throw<InvalidOperationException>();
            return builder.ModuleRunGivesSamples;
        }).Should().BeTrue();
        builder.ModuleRunGivesSamples.Should().BeFalse();
    }

    [Test]
    public void AddNode_SeveralOutputs_LeavesEveryOutputUnknownSayingWhy()
    {
        // Only the exporter's own dendrite Split has several outputs, and the layer's own run gives its value.
        using var scope = torch.NewDisposeScope();
        using var owner = new TestBuilder();
        var builder = owner.Builder;
        builder.SetSample("x", randn(2, 9));

        var parts = builder.AddNode("Split", new[] { "x" }, 3, new Dictionary<string, object> { ["axis"] = 1L });

        parts.Should().HaveCount(3).And.AllSatisfy(p =>
        {
            builder.Sample(p).Should().BeNull();
            builder.WhyUnknown(p).Should().Contain("3 outputs");
        });
    }
}
