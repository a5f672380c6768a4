using System;
using System.Collections.Generic;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Checkpoints;

[TestFixture]
public sealed class CheckpointLoadOptionsTests
{
    [Test]
    public void Default_HasTheDocumentedCaps()
    {
        var options = CheckpointLoadOptions.Default;

        options.MaxManifestBytes.Should().Be(16L << 20);
        options.MaxWeightsHeaderBytes.Should().Be(16L << 20);
        options.MaxWeightsBytes.Should().Be(256L << 30);
        options.MaxTensorCount.Should().Be(1_000_000);
        options.MaxDendritesPerLayer.Should().Be(1024);
        options.AllowNonFiniteWeights.Should().BeFalse();
        options.Validate().Should().BeSameAs(options);
    }

    [Test]
    public void Validate_SeveralBadValues_ReportsEveryOne()
    {
        var options = new CheckpointLoadOptions { MaxManifestBytes = 0, MaxWeightsHeaderBytes = -1, MaxWeightsBytes = 7, MaxTensorCount = 0, MaxDendritesPerLayer = -2 };

        var act = () => options.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should()
            .Equal("MaxManifestBytes", "MaxWeightsHeaderBytes", "MaxWeightsBytes", "MaxTensorCount", "MaxDendritesPerLayer");
    }

    [Test]
    public void Load_InvalidOptions_ThrowsBeforeReadingTheFile()
    {
        var act = () => DendriteCheckpoint.ReadManifest("does-not-matter.dndt", new CheckpointLoadOptions { MaxTensorCount = 0 });

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("MaxTensorCount");
    }

    [Test]
    public void Load_ModuleHostListClearedAfterTheOptionsWereBuilt_StillLoadsTheModuleHost()
    {
        using var temp = new TempFolder();
        var path = temp.File("block.dndt");
        var saved = Dendrites.Wrap(ModuleHostModels.BlockMlp(), new WrapOptions { Targets = LayerSelector.Named("block"), ModuleHosts = [ModuleHostModels.BlockHost], InitialDendrites = 2 });
        DendriteCheckpoint.Save(saved, path);
        var hosts = new List<ModuleHost> { ModuleHostModels.BlockHost };
        var options = new CheckpointLoadOptions { ModuleHosts = hosts }.Validate();
        hosts.Clear();

        var loaded = DendriteCheckpoint.Load(ModuleHostModels.BlockMlp(), path, options: options);

        loaded.Handle.DendriteCount.Should().Be(2);
        options.ModuleHosts.Should().Equal(ModuleHostModels.BlockHost);
        options.ModuleHosts.Should().NotBeAssignableTo<ICollection<ModuleHost>>("a cast must not reach a writable list");
        options.Should().Be(CheckpointLoadOptions.Default with { ModuleHosts = [ModuleHostModels.BlockHost] }, "the copies compare by their elements");
        CheckpointLoadOptions.Default.ModuleHosts.Should().BeEmpty();
    }
}
