using System;
using System.Linq;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

/// <summary>
/// What docs/wrapping.md ("Saved-weight keys") says about TorchSharp's own weight files and wrapped models: plain weights
/// load before Wrap, not after it; a wrapped model's own file loses its dendrites in a fresh model.
/// </summary>
[TestFixture]
public sealed class PlainWeightFileTests
{
    private static nn.Module<Tensor, Tensor> Mlp() => TestModels.Mlp(inputs: 6, hidden: 4, outputs: 3);

    [Test]
    public void Load_PlainFileAfterWrapWithASet_ThrowsTorchSharpsSizeMismatch()
    {
        using var folder = new TempFolder();
        var plain = Mlp();
        plain.save(folder.File("plain.bin"));
        var model = Mlp();
        using var sample = randn(2, 6);
        Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 }, sample);

        var act = () => model.load(folder.File("plain.bin"));

        act.Should().Throw<ArgumentException>().WithMessage("*Mismatched state_dict sizes*");
    }

    [Test]
    public void Load_PlainFileBeforeWrap_GivesTheSameOutputsWithTheDendritesSilent()
    {
        using var folder = new TempFolder();
        var plain = Mlp();
        plain.save(folder.File("plain.bin"));
        var model = Mlp();
        model.load(folder.File("plain.bin"));
        using var sample = randn(2, 6);
        using var expected = plain.call(sample);

        Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 }, sample);

        using var actual = model.call(sample);
        TensorAssert.Identical(actual, expected, "new dendrites start with u = 0");
    }

    [Test]
    public void Load_WrappedFileIntoFreshModelNotStrict_KeepsOnlyTheHostWeights()
    {
        using var folder = new TempFolder();
        var wrapped = Mlp();
        using var sample = randn(2, 6);
        var handle = Dendrites.Wrap(wrapped, new WrapOptions { InitialDendrites = 1 }, sample);
        wrapped.save(folder.File("wrapped.bin"));
        var fresh = Mlp();

        fresh.load(folder.File("wrapped.bin"), strict: false);

        fresh.state_dict().Keys.Should().BeEquivalentTo(handle.BaseStateDict().Keys, "the dendrite tensors have nowhere to go");
        fresh.state_dict().Keys.Should().NotContain(k => k.Contains("dendrites", StringComparison.Ordinal));
        wrapped.state_dict().Keys.Count(k => k.Contains("dendrites", StringComparison.Ordinal)).Should().BePositive("the file held them");
    }
}
