using System.IO;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

/// <summary>The typed errors of module hosts name the layer, its type and the fix.</summary>
[TestFixture]
public sealed class ModuleHostErrorTests
{
    [Test]
    public void AddDendrites_CopyFactoryReturnsNull_ThrowsNamingLayerAndType()
    {
        var host = ModuleHost.For<Block>(_ => null!, b => b.Out);
        var handle = Dendrites.Wrap(ModuleHostModels.BlockMlp(), new WrapOptions { Targets = LayerSelector.Named("block"), ModuleHosts = [host], InitialDendrites = 0 });

        var act = () => handle.AddDendrites(1);

        act.Should().Throw<DendriteWrapException>().WithMessage("Layer 'block' (Block): its ModuleHost's copy factory returned null*");
    }

    [Test]
    public void Wrap_NeuronCountOffByOne_NamesTheLayerBothCountsAndBothFixes()
    {
        // The axis is right and the count wrong: the message must not send the user to the axis alone.
        var host = ModuleHost.For<Block>(b => new Block(b.In, b.Out), b => b.Out + 1);

        var act = () => Dendrites.Wrap(ModuleHostModels.BlockMlp(), new WrapOptions { Targets = LayerSelector.Named("block"), ModuleHosts = [host] }, sampleInput: randn(4, 6));

        act.Should().Throw<DendriteWrapException>().WithMessage("The output of 'block' (Block) has shape [4, 8]; its ModuleHost(Block, neuron axis -1) counts 9 neurons on axis -1, which holds 8 there. Fix whichever is wrong: the neuron count (the neurons function of ModuleHost.For, or IDendriteHost.Neurons) or the axis*");
    }

    [Test]
    public void Wrap_CopyFactoryBuildingAnotherSize_NamesTheLayerAndTheFactoryNotTheSample()
    {
        // Before, the cascade's broadcast error read as a wrong sample input.
        var host = ModuleHost.For<Block>(b => new Block(b.In, b.Out + 1), b => b.Out);

        var act = () => Dendrites.Wrap(ModuleHostModels.BlockMlp(), new WrapOptions { Targets = LayerSelector.Named("block"), ModuleHosts = [host] }, sampleInput: randn(4, 6));

        act.Should().Throw<DendriteWrapException>().WithMessage("A dendrite copy of 'block' (Block) returns shape [4, 9] where the layer returns [4, 8]*check the copy factory*");
    }

    [Test]
    public void Weight_ModuleHostSet_ThrowsNamingLayerAndModule()
    {
        var handle = Dendrites.Wrap(ModuleHostModels.NormMlp(), new WrapOptions { Targets = LayerSelector.Named("norm"), InitialDendrites = 1 });
        var set = handle.Layers[0].Branch.Sets[0];

        var act = () => set.Weight;

        act.Should().Throw<UnsupportedHostException>().WithMessage("Dendrite set 0 of layer 'norm' (LayerNorm) is a copy of a module host*set.Module*")
            .Which.LayerName.Should().Be("norm");
        set.Module.Should().NotBeNull();
    }

    [Test]
    public void Load_CustomHostWithoutItsModuleHost_SaysToPassTheHostInTheLoadOptions()
    {
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "block.dndt");
        var handle = Dendrites.Wrap(ModuleHostModels.BlockMlp(), new WrapOptions { Targets = LayerSelector.Named("block"), ModuleHosts = [ModuleHostModels.BlockHost], InitialDendrites = 1 });
        DendriteCheckpoint.Save(handle, path);

        var act = () => DendriteCheckpoint.Load(ModuleHostModels.BlockMlp(), path);

        act.Should().Throw<CheckpointMismatchException>().WithMessage("Layer 'block' (Block) carried dendrites as a whole through a module host*CheckpointLoadOptions.ModuleHosts*ModuleHost.For<Block>*")
            .Which.Message.Should().NotContain("same architecture");
    }

    [Test]
    public void Wrap_ParameterlessModuleByName_SaysNothingToCopyAndToExcludeIt()
    {
        var model = nn.Sequential(("fc", nn.Linear(4, 4)), ("act", nn.ReLU()));

        var act = () => Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("act") });

        act.Should().Throw<DendriteWrapException>().WithMessage("*Layer 'act' is a ReLU*Supported host types*has no parameters*nothing to learn*Exclude it*")
            .Which.Message.Should().NotContain("ModuleHost.For");
    }
}
