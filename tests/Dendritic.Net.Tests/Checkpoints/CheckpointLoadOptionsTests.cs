using System;
using System.Collections.Generic;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using static TorchSharp.torch;

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
        options.ModuleHosts.Should().BeEmpty();
        options.Logger.Should().BeSameAs(NullLogger.Instance);
        options.Validate().Should().BeSameAs(options);
    }

    [Test]
    public void Validate_NullLoggerAndNullModuleHosts_ReportsBoth()
    {
        var options = new CheckpointLoadOptions { ModuleHosts = null!, Logger = null! };

        var act = () => options.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("ModuleHosts", "Logger");
    }

    [Test]
    public void Load_NullLogger_ThrowsBeforeTouchingTheModel()
    {
        using var temp = new TempFolder();
        var path = temp.File("model.dndt");
        DendriteCheckpoint.Save(Dendrites.Wrap(TestModels.Mlp()), path);
        var fresh = TestModels.Mlp();

        var act = () => DendriteCheckpoint.Load(fresh, path, new CheckpointLoadOptions { Logger = null! });

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("Logger");
        Dendrites.HasHandle(fresh).Should().BeFalse("nothing was wrapped");
    }

    [Test]
    public void ResumeAndLoadOptimizerState_CheckpointOverADefaultCapLoadedWithItRaised_ReadTheFileAgainWithTheRaisedCap()
    {
        // Both read the file again after Load (its manifest; its optimizer state). They used the default caps, so a
        // run whose checkpoint needed a raised one loaded but could not resume.
        using var temp = new TempFolder();
        var path = temp.File("wide.dndt");
        var sets = CheckpointLoadOptions.Default.MaxDendritesPerLayer + 1;
        var handle = Dendrites.Wrap(nn.Sequential(("fc", nn.Linear(1, 1))), new WrapOptions { InitialDendrites = sets });
        var growth = new GrowthOptions { MaxDendrites = sets + 1 };
        var scheduler = new GrowthScheduler(handle, growth);
        scheduler.Step(1.0);
        scheduler.SaveCheckpoint(path, optimizer: optim.SGD(handle.TrainableParameters(), 0.1, momentum: 0.9));
        var options = new CheckpointLoadOptions { MaxDendritesPerLayer = sets };
        var loaded = DendriteCheckpoint.Load(nn.Sequential(("fc", nn.Linear(1, 1))), path, options);

        var resumed = GrowthScheduler.Resume(loaded, growth);
        var load = () => DendriteCheckpoint.LoadOptimizerState(loaded, optim.SGD(loaded.Handle.TrainableParameters(), 0.1, momentum: 0.9));

        resumed.DendriteCount.Should().Be(sets);
        load.Should().NotThrow();
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
