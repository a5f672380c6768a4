using System;
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
}
