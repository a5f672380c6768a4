using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// Cascade-correlation pairs each batch's activations with that batch's error, so every forward of
/// <see cref="GrowthOptions.CandidateLosses"/> has to run just before its backward. A materialised collection of
/// several losses ran all forwards first and crashed with libtorch's "Trying to backward through the graph a second
/// time" (batch 1's error met batch N's activations); now it is refused with the fix.
/// </summary>
[TestFixture]
public sealed class CascadeCorrelationBatchPairingTests
{
    [SetUp]
    public void SetUp() => manual_seed(17);

    [TestCase(false)]
    [TestCase(true)]
    public void Step_CandidateLossesReturnsACollectionOfTwoLosses_ThrowsSayingToReturnALazySequence(bool list)
    {
        var (model, handle, batches) = Setup();
        IEnumerable<Tensor> Losses()
        {
            var lazy = batches.Select(b => nn.functional.mse_loss(model.call(b.X), b.Y));
            return list ? lazy.ToList() : lazy.ToArray();
        }

        var scheduler = new GrowthScheduler(handle, Options() with { CandidateLosses = Losses });
        scheduler.Step(1);

        var act = () => scheduler.Step(1);

        act.Should().Throw<InvalidOperationException>().WithMessage("CandidateLosses returned a collection of 2 losses*lazy sequence*loader.Select(*");
    }

    [Test]
    public void Step_LazySequenceOfTwoBatches_GrowsWithEveryBatchPaired()
    {
        var (model, handle, batches) = Setup();
        var scheduler = new GrowthScheduler(handle, Options() with { CandidateLosses = () => batches.Select(b => nn.functional.mse_loss(model.call(b.X), b.Y)) });
        scheduler.Step(1);

        var grown = scheduler.Step(1);

        grown.Action.Should().Be(GrowthAction.DendritesAdded);
        grown.CandidateCorrelation.Should().BeGreaterThan(0);
    }

    [Test]
    public void Step_IteratorThatRunsTwoForwardsBeforeYielding_ThrowsSayingToYieldAfterEachForward()
    {
        var (model, handle, batches) = Setup();
        IEnumerable<Tensor> Buffered()
        {
            var first = nn.functional.mse_loss(model.call(batches[0].X), batches[0].Y);
            var second = nn.functional.mse_loss(model.call(batches[1].X), batches[1].Y);
            yield return first;
            yield return second;
        }

        var scheduler = new GrowthScheduler(handle, Options() with { CandidateLosses = Buffered });
        scheduler.Step(1);

        var act = () => scheduler.Step(1);

        act.Should().Throw<InvalidOperationException>().WithMessage("*ran 2 times*yield each batch's loss right after its forward*");
    }

    [Test]
    public void Step_IteratorThatRunsAForwardAfterItsLastYield_GrowsWithoutCountingItInTheNextPass()
    {
        var (model, handle, batches) = Setup();
        IEnumerable<Tensor> Trailing()
        {
            foreach (var (x, y) in batches)
            {
                yield return nn.functional.mse_loss(model.call(x), y);
            }

            // A forward after the last loss (a user's check, a metric): no batch of this pass, nor of the next.
            using var scope = NewDisposeScope();
            model.call(batches[0].X);
        }

        var scheduler = new GrowthScheduler(handle, Options() with { CandidateLosses = Trailing });
        scheduler.Step(1);

        var grown = scheduler.Step(1);

        grown.Action.Should().Be(GrowthAction.DendritesAdded);
        grown.CandidateCorrelation.Should().BeGreaterThan(0);
    }

    private static (nn.Module<Tensor, Tensor> Model, DendriticModel Handle, (Tensor X, Tensor Y)[] Batches) Setup()
    {
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        var batches = Enumerable.Range(0, 2).Select(_ => (randn(32, 3), randn(32, 2))).ToArray();
        return (model, handle, batches);
    }

    private static GrowthOptions Options() => ClassicRules.Options with
    {
        Patience = 0,
        Training = DendriteTrainingMode.CascadeCorrelation,
        CascadeCorrelation = new CascadeCorrelationOptions { MaxEpochs = 3, Patience = 3 },
    };
}
