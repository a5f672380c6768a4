using System;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Pruning;

public class DendritePrunerWrappedTests
{
    [TestCase(false)]
    [TestCase(true)]
    public void Prune_ZeroScaleSet_RemovedInBothAttachModes(bool hooked)
    {
        torch.manual_seed(30);
        nn.Module<Tensor, Tensor> model = hooked ? new TwoLinear() : nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2));
        using var sample = randn(3, 4);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 }, sample);
        handle.Layers.Should().OnlyContain(l => l.Mode == (hooked ? AttachMode.Hooked : AttachMode.Replaced));
        using var generator = new Generator(31);
        using (no_grad())
        {
            foreach (var set in handle.Layers.SelectMany(l => l.Branch.Sets))
            {
                set.OutputScale.copy_(randn(set.OutputScale.shape, generator: generator));
                set.CascadeWeights?.copy_(randn(set.CascadeWeights.shape, generator: generator));
            }

            // The first layer's last set contributes nothing.
            handle.Layers[0].Branch.Sets[1].OutputScale.zero_();
        }

        using var input = randn(8, 4);
        using var before = model.call(input).detach().clone();

        var report = DendritePruner.Prune(handle, new PruningOptions { MaxOutputScale = 0 }, input);

        report.SetsRemoved.Should().Be(1);
        handle.Layers[0].DendriteCount.Should().Be(1);
        handle.Layers[1].DendriteCount.Should().Be(2);
        report.FlopsSaved.Should().BeGreaterThan(0);
        TensorAssert.Close(model.call(input), before, 1e-6);
    }

    [Test]
    public void Prune_MeasuredEffectInsideDisable_ThrowsNamingTheLayersAndRemovesNothing()
    {
        var (model, handle, input) = TrainedLookingModel();
        using var before = model.call(input).detach().clone();

        var options = new PruningOptions { Criterion = PruningCriterion.MeasuredEffect, MaxOutputChange = 0.01 };
        using (handle.Disable())
        {
            var act = () => DendritePruner.Prune(handle, options, input);

            act.Should().Throw<InvalidOperationException>()
                .WithMessage("*'0' (2 sets)*'2' (2 sets)*Enabled = false*OutputScale*Nothing was pruned*");
        }

        handle.Layers.Should().OnlyContain(l => l.DendriteCount == 2);
        TensorAssert.Close(model.call(input), before, 0);
    }

    [Test]
    public void Prune_OutputScaleWithABatchInsideDisable_ThrowsAndRemovesNothing()
    {
        var (_, handle, input) = TrainedLookingModel();

        using (handle.Disable())
        {
            var act = () => DendritePruner.Prune(handle, new PruningOptions { Criterion = PruningCriterion.OutputScale, MaxOutputScale = 1e6 }, input);

            act.Should().Throw<InvalidOperationException>().WithMessage("*validation batch measures the output change*'0' (2 sets)*read 0 whatever was removed*Nothing was pruned*");
        }

        handle.Layers.Should().OnlyContain(l => l.DendriteCount == 2);
    }

    [Test]
    public void Prune_OutputScaleWithoutABatchInsideDisable_PrunesByTheWeights()
    {
        var (_, handle, _) = TrainedLookingModel();

        PruningReport report;
        using (handle.Disable())
        {
            report = DendritePruner.Prune(handle, new PruningOptions { Criterion = PruningCriterion.OutputScale, MaxOutputScale = 1e6 });
        }

        report.SetsRemoved.Should().Be(4, "a threshold above every |u| removes every set, switched on or off");
    }

    [Test]
    public void Prune_MeasuredEffectWithOneLayerSwitchedOff_ThrowsNamingOnlyThatLayer()
    {
        var (_, handle, input) = TrainedLookingModel();
        handle.Layers[1].Enabled = false;

        var act = () => DendritePruner.Prune(handle, new PruningOptions { Criterion = PruningCriterion.MeasuredEffect }, input);

        act.Should().Throw<InvalidOperationException>().Where(e => e.Message.Contains("'2' (2 sets)") && !e.Message.Contains("'0'"));
        handle.Layers.Should().OnlyContain(l => l.DendriteCount == 2);
    }

    [Test]
    public void Prune_MeasuredEffectWithSwitchedOffLayerWithoutSets_Prunes()
    {
        var (_, handle, input) = TrainedLookingModel();
        handle.Layers[0].Branch.RemoveAt(new[] { 0, 1 });
        handle.Layers[0].Enabled = false;

        var report = DendritePruner.Prune(handle, new PruningOptions { Criterion = PruningCriterion.MeasuredEffect, MaxOutputChange = 1e6 }, input);

        report.SetsRemoved.Should().Be(2);
    }

    /// <summary>A Sequential MLP with two sets per layer whose u and v are large enough to matter.</summary>
    private static (nn.Module<Tensor, Tensor> Model, DendriticModel Handle, Tensor Input) TrainedLookingModel()
    {
        torch.manual_seed(32);
        var model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2));
        var input = randn(8, 4);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 }, input);
        using var generator = new Generator(33);
        using (no_grad())
        {
            foreach (var set in handle.Layers.SelectMany(l => l.Branch.Sets))
            {
                set.OutputScale.copy_(randn(set.OutputScale.shape, generator: generator));
                set.CascadeWeights?.copy_(randn(set.CascadeWeights.shape, generator: generator));
            }
        }

        return (model, handle, input);
    }

    private sealed class TwoLinear : nn.Module<Tensor, Tensor>
    {
        private readonly Linear fc1;
        private readonly Linear fc2;

        public TwoLinear()
            : base(nameof(TwoLinear))
        {
            fc1 = nn.Linear(4, 6);
            fc2 = nn.Linear(6, 2);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => fc2.call(nn.functional.relu(fc1.call(input)));
    }
}
