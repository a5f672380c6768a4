using System.Linq;
using Dendritic.Tests.Docs;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Metrics;

[TestFixture]
public sealed class FlopCounterTests
{
    private static readonly HostLayerSpec Linear10To5 = HostLayerSpec.From(nn.Linear(10, 5));
    private static readonly HostLayerSpec Conv2To3 = HostLayerSpec.From(nn.Conv2d(2, 3, 3, padding: 1));

    [Test]
    public void HostFlopsPerPosition_Linear_IsTwoPerMacPlusBias()
    {
        FlopCounter.HostFlopsPerPosition(Linear10To5).Should().Be((2 * 10 * 5) + 5);
    }

    [TestCase(0, 0)]
    [TestCase(1, 105 + (3 * 5))]
    [TestCase(2, 105 + (3 * 5) + 105 + (5 * 5))]
    public void DendriteFlopsPerPosition_Sets_AddProjectionAndCascadePerSet(int sets, long expected)
    {
        FlopCounter.DendriteFlopsPerPosition(Linear10To5, sets).Should().Be(expected);
    }

    [TestCase(new long[] { 4, 5 }, null, 1L)]
    [TestCase(new long[] { 5 }, null, 1L)]
    [TestCase(new long[] { 4, 7, 5 }, null, 7L)]
    [TestCase(new long[] { 28, 5 }, 4L, 7L)]
    [TestCase(new long[] { 7, 4, 5 }, 4L, 7L)]
    [TestCase(new long[] { 5 }, 4L, 1L)]
    public void PositionsPerSample_LinearOutput_CountsRowsPerSample(long[] shape, long? samples, long expected)
    {
        FlopCounter.PositionsPerSample(Linear10To5, zeros(shape), samples).Should().Be(expected);
    }

    [TestCase(new long[] { 2, 3, 5, 5 }, 25L)]
    [TestCase(new long[] { 3, 5, 5 }, 25L)]
    public void PositionsPerSample_ConvOutput_CountsPixelsBatchedOrNot(long[] shape, long expected)
    {
        FlopCounter.PositionsPerSample(Conv2To3, zeros(shape)).Should().Be(expected);
    }

    [TestCase(new long[] { 3, 5, 5 }, 2L, 25L)]
    [TestCase(new long[] { 2, 3, 5, 5 }, 2L, 25L)]
    public void PositionsPerSample_ConvOutputWithSamplesGiven_UnbatchedOutputHoldsOneSample(long[] shape, long samples, long expected)
    {
        FlopCounter.PositionsPerSample(Conv2To3, zeros(shape), samples).Should().Be(expected);
    }

    [TestCase(0L)]
    [TestCase(-1L)]
    public void PositionsPerSample_SamplesBelowOne_Throws(long samples)
    {
        using var output = zeros(4, 5);

        FluentActions.Invoking(() => FlopCounter.PositionsPerSample(Linear10To5, output, samples)).Should().Throw<System.ArgumentOutOfRangeException>()
            .Which.ParamName.Should().Be("samples");
    }

    [Test]
    public void FlopsPerPosition_ModuleHost_IsUnknownNotZero()
    {
        var handle = Dendrites.Wrap(new SequenceClassifier(gru: true), new WrapOptions { Targets = LayerSelector.Named("rnn"), InitialDendrites = 1 }, sampleInput: randn(2, 5, 7));
        var spec = handle.Layers.Single().Spec;

        FlopCounter.Counts(spec).Should().BeFalse();
        FlopCounter.HostFlopsPerPosition(spec).Should().BeNull();
        FlopCounter.DendriteFlopsPerPosition(spec, 1).Should().BeNull();
    }

    [Test]
    public void ReportAndPruner_Cnn_CountTheSameDendriteFlops()
    {
        var model = TestModels.Cnn();
        using var x = randn(3, 1, 8, 8);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 }, x);
        var reported = handle.Report().DendriteFlopsPerSample;

        // Fresh sets have zero output scales, so the pruner removes them all and saves all their FLOPs.
        var pruned = DendritePruner.Prune(handle, validationInput: x);

        pruned.SetsRemoved.Should().Be(6);
        pruned.FlopsSaved.Should().Be(reported);
        handle.Layers.Select(l => l.PositionsPerSample).Should().Equal(64, 16, 1);
    }

    [Test]
    public void Report_LayerCalledOncePerTimeStep_CountsEveryCall()
    {
        var gru = new NativeModuleAlternativesTests.LinearGru(inputs: 8, hidden: 16);

        var handle = Dendrites.Wrap(gru, new WrapOptions { InitialDendrites = 1 }, sampleInput: randn(2, 5, 8));

        handle.Layers.Select(l => l.PositionsPerSample).Should().Equal(5, 5);
    }
}
