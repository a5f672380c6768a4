using System.Linq;
using Dendritic.Pilot;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Pilot.Tests;

/// <summary>The pilot's encoder and CNN: they build at any width, wrap with each target choice, and keep their output when dendrites are added.</summary>
[TestFixture]
public sealed class PilotModelsTests
{
    private static readonly long[] Digit = { 1, 28, 28 };

    [TestCase(1, 1)]
    [TestCase(5, 1)]
    [TestCase(6, 3)]
    [TestCase(10, 2)]
    [TestCase(16, 4)]
    [TestCase(18, 3)]
    [TestCase(37, 1)]
    public void Encoder_AnyWidth_BuildsWithValidHeadsAndClassifies(int width, long heads)
    {
        random.manual_seed(1);
        using var model = new PilotEncoder(Digit, width, 10);

        model.Heads.Should().Be(heads);
        using var logits = model.call(rand(3, 1, 28, 28));
        logits.shape.Should().Equal(3, 10);
    }

    [Test]
    public void EncoderFactory_ParameterCount_GrowsWithWidth()
    {
        // The capacity-matched control searches widths by parameter count, which must rise with the width.
        var factory = PilotModels.Factory(PilotModel.Encoder, Digit, 10);

        var counts = Enumerable.Range(1, 40).Select(w =>
        {
            using var model = factory(w);
            return model.parameters().Sum(p => p.numel());
        }).ToList();

        counts.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
    }

    [Test]
    public void Describe_TargetsWithAndWithoutADendriticArm_NamesThemOnlyWhenDendritesRun()
    {
        PilotModels.Describe(PilotModel.Mlp, 8, EncoderTargets.AttentionMlp, MlpTargets.Hidden).Should().Be("MLP, width 8, dendrites on the hidden layer only");
        PilotModels.Describe(PilotModel.Mlp, 8, EncoderTargets.AttentionMlp, MlpTargets.Hidden, withDendrites: false).Should().Be("MLP, width 8");
        PilotModels.Describe(PilotModel.Mlp, 8, EncoderTargets.AttentionMlp).Should().Be("MLP, width 8");
        PilotModels.Describe(PilotModel.Encoder, 16, EncoderTargets.Mlp).Should().EndWith(", dendrites on mlp");
        PilotModels.Describe(PilotModel.Encoder, 16, EncoderTargets.Mlp, withDendrites: false).Should().NotContain("dendrites");
    }

    [TestCase(MlpTargets.All, new[] { "hidden", "output" })]
    [TestCase(MlpTargets.Hidden, new[] { "hidden" })]
    [TestCase(MlpTargets.Output, new[] { "output" })]
    public void Mlp_WrapWithTargets_ReplacesExactlyThoseLayers(MlpTargets targets, string[] expected)
    {
        using var model = PilotModels.Factory(PilotModel.Mlp, Digit, 10)(8);

        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = PilotModels.Targets(PilotModel.Mlp, EncoderTargets.AttentionMlp, targets), InitialDendrites = 1 }, sampleInput: rand(2, 1, 28, 28));

        handle.Layers.Select(l => l.Name).Should().BeEquivalentTo(expected);
        handle.Layers.Should().OnlyContain(l => l.Mode == AttachMode.Replaced && l.DendriteCount == 1);
    }

    [TestCase(EncoderTargets.AttentionMlp, new[] { "blocks.0.attention.output", "blocks.0.mlp.expand", "blocks.0.mlp.project", "blocks.1.attention.output", "blocks.1.mlp.expand", "blocks.1.mlp.project" })]
    [TestCase(EncoderTargets.Mlp, new[] { "blocks.0.mlp.expand", "blocks.0.mlp.project", "blocks.1.mlp.expand", "blocks.1.mlp.project" })]
    [TestCase(EncoderTargets.AllLinear, new[]
    {
        "embed", "blocks.0.attention.query", "blocks.0.attention.key", "blocks.0.attention.value", "blocks.0.attention.output", "blocks.0.mlp.expand", "blocks.0.mlp.project",
        "blocks.1.attention.query", "blocks.1.attention.key", "blocks.1.attention.value", "blocks.1.attention.output", "blocks.1.mlp.expand", "blocks.1.mlp.project", "head",
    })]
    public void Encoder_WrapWithTargets_ReplacesExactlyThoseLayers(EncoderTargets targets, string[] expected)
    {
        using var model = new PilotEncoder(Digit, 8, 10);

        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = PilotModels.Targets(PilotModel.Encoder, targets), InitialDendrites = 1 }, sampleInput: rand(2, 1, 28, 28));

        handle.Layers.Select(l => l.Name).Should().BeEquivalentTo(expected);
        handle.Layers.Should().OnlyContain(l => l.Mode == AttachMode.Replaced && l.DendriteCount == 1);
        handle.Report().NativeModules.Should().BeEmpty();
    }

    [TestCase(PilotModel.Encoder, EncoderTargets.AttentionMlp)]
    [TestCase(PilotModel.Encoder, EncoderTargets.AllLinear)]
    [TestCase(PilotModel.Cnn, EncoderTargets.AttentionMlp)]
    public void AddDendrites_WrappedModel_KeepsTheOutput(PilotModel which, EncoderTargets targets)
    {
        random.manual_seed(3);
        using var model = PilotModels.Factory(which, Digit, 10)(12);
        using var input = rand(4, 1, 28, 28);
        model.eval();
        using var before = model.call(input).detach();

        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = PilotModels.Targets(which, targets), InitialDendrites = 0 }, sampleInput: input);
        handle.AddDendrites(2);
        using var after = model.call(input).detach();

        handle.Layers.Should().OnlyContain(l => l.DendriteCount == 2);
        after.allclose(before, rtol: 0, atol: 1e-6).Should().BeTrue("new dendrites start with u = v = 0, so the model computes what it computed before");
    }

    [Test]
    public void Encoder_MovedWithTo_UsesTheMovedPositionEmbedding()
    {
        // .to() replaces Parameter objects; the forward pass must use the registered one, not a stale field.
        using var model = new PilotEncoder(Digit, 8, 10);

        model.to(ScalarType.Float64);
        var field = (Parameter)typeof(PilotEncoder).GetField("position", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(model)!;

        field.Should().BeSameAs(model.get_parameter("position"));
        field.dtype.Should().Be(ScalarType.Float64);
        model.call(rand(2, 1, 28, 28, dtype: ScalarType.Float64)).dtype.Should().Be(ScalarType.Float64);
    }

    [Test]
    public void Cnn_Wrap_ReplacesBothConvolutionsAndTheHead()
    {
        using var model = PilotModels.Factory(PilotModel.Cnn, Digit, 10)(4);

        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = PilotModels.Targets(PilotModel.Cnn, EncoderTargets.AttentionMlp) }, sampleInput: rand(2, 1, 28, 28));

        handle.Layers.Select(l => l.Name).Should().Equal("conv1", "conv2", "output");
    }

    [Test]
    public void ShapeError_ImagesNotDivisibleIntoTheGrid_SaysWhy()
    {
        PilotModels.ShapeError(PilotModel.Encoder, new long[] { 1, 30, 28 }).Should().Contain("4 × 4 grid").And.Contain("[1, 30, 28]");
        PilotModels.ShapeError(PilotModel.Encoder, Digit).Should().BeNull();
        PilotModels.ShapeError(PilotModel.Cnn, new long[] { 1, 2, 2 }).Should().Contain("at least 4 × 4");
        PilotModels.ShapeError(PilotModel.Mlp, new long[] { 1, 2, 2 }).Should().BeNull();
    }
}
