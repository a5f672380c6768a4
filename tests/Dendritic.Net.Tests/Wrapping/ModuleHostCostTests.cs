using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Wrapping;

/// <summary>The cost report and per-neuron pruning of a module host whose dendrites live on the host (a Sequential root).</summary>
[TestFixture]
public sealed class ModuleHostCostTests
{
    [Test]
    public void Report_LayerNormHostInSequential_CountsEveryParameterOnce()
    {
        var model = ModuleHostModels.NormMlp();
        var baseParameters = model.parameters().Sum(p => p.numel());
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("norm").Or(LayerSelector.AllSupported), InitialDendrites = 2 }, sampleInput: randn(3, 6));

        var report = handle.Report();

        report.Layers.Select(l => l.Name).Should().Equal("fc", "norm", "out");
        var norm = report.Layers[1];
        norm.HostParameters.Should().Be(16, "the LayerNorm's weight and bias, not its dendrites");
        norm.DendriteParameters.Should().Be((2 * 16) + (2 * 8) + 8, "two copies, two u and one v row");
        report.BaseParameters.Should().Be(baseParameters);
        report.OtherBaseParameters.Should().Be(0);
        report.TotalParameters.Should().Be(model.parameters().Sum(p => p.numel()));
        report.Layers[0].FlopsCounted.Should().BeTrue();
        report.Layers[1].FlopsCounted.Should().BeFalse();
        report.WrappedHostFlopsPerSample.Should().Be((2 * 6 * 8) + 8 + (2 * 8 * 3) + 3, "the Linear layers' FLOPs; the LayerNorm host's are not counted");
    }

    [Test]
    public void Prune_NeuronGranularityOnModuleHost_ZeroesThatNeuronsScales()
    {
        var model = ModuleHostModels.NormMlp();
        var x = randn(5, 6);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("norm"), InitialDendrites = 2 }, sampleInput: x);
        var sets = handle.Layers[0].Branch.Sets;
        using (no_grad())
        {
            sets[0].OutputScale.fill_(0.5);
            sets[1].OutputScale.fill_(0.5);
            sets[1].CascadeWeights!.fill_(0.5);
            sets[0].OutputScale[3] = tensor(0f);
            sets[1].CascadeWeights![0, 3] = tensor(0f);
        }

        var report = DendritePruner.Prune(handle, new PruningOptions { Granularity = PruningGranularity.Neuron, MaxOutputScale = 1e-6 });

        report.SetsRemoved.Should().Be(0);
        report.Layers[0].NeuronsZeroed.Should().Be(1);
        sets[0].OutputScale[3].item<float>().Should().Be(0);
        sets[0].Module!.parameters().Should().AllSatisfy(p => p.abs().sum().item<float>().Should().BePositive("a copy has no per-neuron rows to zero"));
    }
}
