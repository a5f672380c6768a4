using System;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Pruning;

public class DendritePrunerTests
{
    private const double Exact = 1e-6;

    [Test]
    public void Prune_NewSetWithZeroOutputScale_ChangesNothing()
    {
        torch.manual_seed(1);
        var layer = new DendriteLayer(nn.Linear(8, 4), dendrites: 2);
        ReferenceDendrites.Randomise(layer, 2);
        layer.AddDendrites();
        using var input = randn(5, 8);
        using var before = layer.call(input).detach().clone();

        var report = DendritePruner.Prune(Dendrites.Adopt(layer), new PruningOptions { MaxOutputScale = 0 }, input);

        report.Layers.Single().RemovedSets.Should().Equal(2);
        layer.DendriteCount.Should().Be(2);
        report.MaxOutputChange.Should().BeLessThanOrEqualTo(Exact);
        TensorAssert.Close(layer.call(input), before, Exact);
    }

    [Test]
    public void ToString_Reports_ListTheRemovedSetsAndEveryLayer()
    {
        torch.manual_seed(1);
        var layer = new DendriteLayer(nn.Linear(8, 4), dendrites: 2);
        ReferenceDendrites.Randomise(layer, 2);
        layer.AddDendrites();
        using var input = randn(5, 8);

        var report = DendritePruner.Prune(Dendrites.Adopt(layer), new PruningOptions { MaxOutputScale = 0 }, input);

        report.Layers.Single().ToString().Should().Contain(": 3 -> 2 set(s), removed [2],").And.NotContain("System.");
        report.ToString().Should().StartWith("1 set(s) removed").And.Contain("FLOPs saved per sample").And.Contain("removed [2]").And.NotContain("System.");
    }

    [Test]
    public void Prune_MiddleSetWithZeroUAndNoDependants_ChangesNothing()
    {
        torch.manual_seed(3);
        var layer = new DendriteLayer(nn.Conv2d(3, 4, 3, padding: 1), dendrites: 3);
        ReferenceDendrites.Randomise(layer, 4);
        using (no_grad())
        {
            layer.Branch.Sets[1].OutputScale.zero_();
            layer.Branch.Sets[2].CascadeWeights![1].zero_();
        }

        using var input = randn(2, 3, 6, 6);
        using var before = layer.call(input).detach().clone();

        var report = DendritePruner.Prune(Dendrites.Adopt(layer), new PruningOptions { MaxOutputScale = 0 });

        report.Layers.Single().RemovedSets.Should().Equal(1);
        report.MaxOutputChange.Should().BeNull("no validation batch was given");
        TensorAssert.Close(layer.call(input), before, Exact);
    }

    [Test]
    public void Prune_MiddleSet_OutputChangesByItsContributionOnlyAndLaterVDropsItsColumn()
    {
        torch.manual_seed(5);
        var layer = new DendriteLayer(nn.Linear(6, 5), dendrites: 3);
        ReferenceDendrites.Randomise(layer, 6);
        var sets = layer.Branch.Sets;
        using (no_grad())
        {
            sets[1].OutputScale.mul_(1e-4);
            sets[2].CascadeWeights![1].zero_();
        }

        using var input = randn(4, 6);
        using var before = layer.call(input).detach().clone();
        using var a0 = nn.functional.linear(input, sets[0].Weight, sets[0].Bias).sigmoid();
        using var a1 = (nn.functional.linear(input, sets[1].Weight, sets[1].Bias) + (sets[1].CascadeWeights![0] * a0)).sigmoid();
        using var expected = (before - (sets[1].OutputScale * a1)).detach();
        using var lastWeight = sets[2].Weight.detach().clone();
        using var lastV = sets[2].CascadeWeights!.detach().clone();
        using var lastU = sets[2].OutputScale.detach().clone();

        var report = DendritePruner.Prune(Dendrites.Adopt(layer), new PruningOptions { MaxOutputScale = 1e-3 }, input);

        report.Layers.Single().RemovedSets.Should().Equal(1);
        layer.DendriteCount.Should().Be(2);
        var moved = layer.Branch.Sets[1];
        moved.Index.Should().Be(1);
        moved.CascadeWeights!.shape.Should().Equal(1, 5);
        TensorAssert.Identical(moved.CascadeWeights[0].detach(), lastV[0]);
        TensorAssert.Identical(moved.Weight.detach(), lastWeight);
        TensorAssert.Identical(moved.OutputScale.detach(), lastU);
        TensorAssert.Close(layer.call(input), expected, 1e-5);
        TensorAssert.Close(layer.call(input), ReferenceDendrites.Forward(layer, input), 1e-5);
    }

    [Test]
    public void Prune_ZeroUButLaterSetsReadIt_KeepsTheSet()
    {
        torch.manual_seed(7);
        var layer = new DendriteLayer(nn.Linear(4, 3), dendrites: 2);
        ReferenceDendrites.Randomise(layer, 8);
        using (no_grad())
        {
            layer.Branch.Sets[0].OutputScale.zero_();
        }

        var report = DendritePruner.Prune(Dendrites.Adopt(layer), new PruningOptions { MaxOutputScale = 0 });

        report.SetsRemoved.Should().Be(0);
        layer.DendriteCount.Should().Be(2);
    }

    [Test]
    public void Prune_NeuronGranularity_ZeroesOnlyDeadNeuronsAndKeepsOutput()
    {
        torch.manual_seed(9);
        var layer = new DendriteLayer(nn.Linear(6, 4), dendrites: 2);
        ReferenceDendrites.Randomise(layer, 10);
        var sets = layer.Branch.Sets;
        using (no_grad())
        {
            sets[0].OutputScale[1] = 0f;
            sets[0].OutputScale[3] = 0f;
            sets[1].CascadeWeights![0][1] = 0f;
            sets[1].CascadeWeights![0][3] = 0f;
        }

        using var input = randn(5, 6);
        using var before = layer.call(input).detach().clone();

        var report = DendritePruner.Prune(Dendrites.Adopt(layer), new PruningOptions { MaxOutputScale = 0, Granularity = PruningGranularity.Neuron }, input);

        var entry = report.Layers.Single();
        entry.NeuronsZeroed.Should().Be(2);
        entry.RemovedSets.Should().BeEmpty();
        entry.ParametersZeroed.Should().Be(2 * (6 + 1), "each dead neuron's weight row and bias are zeroed (u and v already were)");
        sets[0].Weight[1].abs().sum().item<float>().Should().Be(0);
        sets[0].Weight[0].abs().sum().item<float>().Should().BeGreaterThan(0);
        report.MaxOutputChange.Should().BeLessThanOrEqualTo(Exact);
        TensorAssert.Close(layer.call(input), before, Exact);
    }

    [Test]
    public void Prune_MeasuredEffect_RemovesOnlySetsWithinTolerance()
    {
        torch.manual_seed(11);
        var first = new DendriteLayer(nn.Linear(5, 6), dendrites: 2);
        var second = new DendriteLayer(nn.Linear(6, 3), dendrites: 2);
        ReferenceDendrites.Randomise(first, 12);
        ReferenceDendrites.Randomise(second, 13);
        using (no_grad())
        {
            second.Branch.Sets[1].OutputScale.mul_(1e-7);
        }

        using var model = nn.Sequential(("first", first), ("relu", nn.ReLU()), ("second", second));
        using var input = randn(16, 5);

        var report = DendritePruner.Prune(Dendrites.Adopt(model), new PruningOptions { Criterion = PruningCriterion.MeasuredEffect, MaxOutputChange = 1e-4 }, input);

        report.Layers.Select(l => l.Name).Should().Equal("first", "second");
        report.Layers[0].RemovedSets.Should().BeEmpty();
        report.Layers[1].RemovedSets.Should().Equal(1);
        report.MaxOutputChange.Should().BeLessThanOrEqualTo(1e-4);
        second.DendriteCount.Should().Be(1);
    }

    [Test]
    public void Prune_LastSetOfSequenceLayer_ReportsParametersAndFlopsAtTheCheckPassPositions()
    {
        torch.manual_seed(15);
        var layer = new DendriteLayer(nn.Linear(8, 4), dendrites: 3);
        ReferenceDendrites.Randomise(layer, 16);
        using (no_grad())
        {
            layer.Branch.Sets[2].OutputScale.zero_();
        }

        using var input = randn(5, 7, 8);
        var handle = Dendrites.Adopt(layer);
        handle.Verify(() => layer.call(input));

        var report = DendritePruner.Prune(handle, new PruningOptions { MaxOutputScale = 0 }, input);

        // Set 2: weight 8x4, bias 4, u 4, v 2x4. FLOPs per neuron and position: 2*8 + 1 + 3 + 2*2 = 24; 7 time steps.
        report.ParametersRemoved.Should().Be(32 + 4 + 4 + 8);
        report.FlopsSaved.Should().Be(4 * 7 * 24);
        report.DendriteParametersAfter.Should().Be(report.DendriteParametersBefore - 48);
    }

    [Test]
    public void Prune_ThenAddDendrites_ContinuesTheCascade()
    {
        var layer = new DendriteLayer(nn.Linear(3, 2), dendrites: 3);
        ReferenceDendrites.Randomise(layer, 17);
        using (no_grad())
        {
            layer.Branch.Sets[0].OutputScale.zero_();
            layer.Branch.Sets[1].CascadeWeights!.zero_();
            layer.Branch.Sets[2].CascadeWeights![0].zero_();
        }

        var handle = Dendrites.Adopt(layer);
        DendritePruner.Prune(handle, new PruningOptions { MaxOutputScale = 0 });
        handle.AddDendrites();
        var added = layer.Branch.Sets[^1];

        layer.DendriteCount.Should().Be(3);
        added.Index.Should().Be(2);
        added.CascadeWeights!.shape.Should().Equal(2, 2);
        layer.named_parameters().Select(p => p.name).Should().Contain("dendrites.2.v");
        using var input = randn(4, 3);
        TensorAssert.Close(layer.call(input), ReferenceDendrites.Forward(layer, input), 1e-5);
    }

    [Test]
    public void Prune_MeasuredEffectWithoutValidationBatch_Throws()
    {
        var layer = new DendriteLayer(nn.Linear(3, 2), dendrites: 1);

        var act = () => DendritePruner.Prune(Dendrites.Adopt(layer), new PruningOptions { Criterion = PruningCriterion.MeasuredEffect });

        act.Should().Throw<ArgumentException>().WithParameterName("validationInput");
    }

    [Test]
    public void Prune_MeasuredEffectGivenTheScaleLimit_ThrowsAndPrunesNothing()
    {
        var layer = new DendriteLayer(nn.Linear(3, 2), dendrites: 2);
        using var input = randn(4, 3);

        var act = () => DendritePruner.Prune(Dendrites.Adopt(layer), new PruningOptions { Criterion = PruningCriterion.MeasuredEffect, MaxOutputScale = 1e6 }, input);

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal(nameof(PruningOptions.MaxOutputScale));
        layer.DendriteCount.Should().Be(2, "a limit in the other criterion's units is refused before anything is pruned");
    }
}
