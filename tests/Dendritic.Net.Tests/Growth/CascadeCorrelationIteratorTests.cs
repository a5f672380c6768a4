using System;
using System.Collections.Generic;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// <c>CandidateLosses</c> written as the usual shuffling iterator, from a newcomer's trial: its shuffle order, made in
/// the first MoveNext (<c>using var perm = randperm(n)</c>), was disposed with the first batch's tensors, and the second
/// batch failed with TorchSharp's bare "Tensor invalid -- empty handle" from inside the user's iterator.
/// </summary>
[TestFixture]
public sealed class CascadeCorrelationIteratorTests
{
    [SetUp]
    public void SetUp() => manual_seed(23);

    [TestCase(1)]
    [TestCase(3)]
    public void TrainCandidates_ShufflingIteratorMakingItsOrderBeforeTheFirstYield_TrainsAndLeavesNoTensorAlive(int poolSize)
    {
        var model = TestModels.TanhMlp();
        var growth = new WrappedGrowthModel(Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 }));
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        growth.AddDendrites(poolSize);
        IEnumerable<Tensor> Shuffled()
        {
            using var order = randperm(64);
            for (var start = 0; start < 64; start += 16)
            {
                using var rows = order.narrow(0, start, 16);
                yield return nn.functional.mse_loss(model.call(x.index_select(0, rows)), y.index_select(0, rows));
            }
        }

        CandidateTrainingResult? result = null;
        var options = new CascadeCorrelationOptions { MaxEpochs = 3, Patience = 3, PoolSize = poolSize };

        var added = LiveTensors.Added(() => result = growth.TrainCandidates(Shuffled, options, (_, _) => { }));

        result!.Correlation.Should().BeGreaterThan(0);
        added.Should().Be(poolSize == 1 ? 0 : -2 * 2 * 4, "the order dies with the pass (a pool removes two candidates' D, bias, v and u per layer)");
    }

    [TestCase(1)]
    [TestCase(3)]
    public void TrainCandidates_FirstBatch_FreesItsLossAndActivationsBeforeTheSecondButKeepsItsInputs(int poolSize)
    {
        // Keeping all of the first batch's tensors for the pass held its activations and retained graph next to every
        // later batch's: two batches' worth of memory from the second batch on.
        var model = TestModels.TanhMlp();
        var growth = new WrappedGrowthModel(Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 }));
        using var x = randn(32, 3);
        using var y = randn(32, 2);
        growth.AddDendrites(poolSize);
        var firstLosses = new List<Tensor>();
        var firstInputs = new List<Tensor>();
        var checkedAtSecond = new List<(bool LossDisposed, bool InputAlive)>();
        IEnumerable<Tensor> Batches()
        {
            var input = x.narrow(0, 0, 16);
            var loss = nn.functional.mse_loss(model.call(input), y.narrow(0, 0, 16));
            firstInputs.Add(input);
            firstLosses.Add(loss);
            yield return loss;
            checkedAtSecond.Add((firstLosses[^1].IsInvalid, !firstInputs[^1].IsInvalid));
            yield return nn.functional.mse_loss(model.call(x.narrow(0, 16, 16)), y.narrow(0, 16, 16));
        }

        growth.TrainCandidates(Batches, new CascadeCorrelationOptions { MaxEpochs = 2, Patience = 2, PoolSize = poolSize }, (_, _) => { });

        checkedAtSecond.Should().NotBeEmpty().And.OnlyContain(c => c.LossDisposed && c.InputAlive, "the loss (and the graph behind it) dies with its batch; what needs no gradient lasts the pass");
        firstInputs.Should().OnlyContain(t => t.IsInvalid, "the pass's scope disposes it at the end");
    }

    [Test]
    public void TrainCandidates_TensorMadeInOneBatchAndUsedInTheNext_ThrowsExplainingWhereToMakeIt()
    {
        var model = TestModels.TanhMlp();
        var growth = new WrappedGrowthModel(Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 }));
        using var x = randn(16, 3);
        using var y = randn(16, 2);
        growth.AddDendrites(1);
        IEnumerable<Tensor> MadeLate()
        {
            Tensor? late = null;
            for (var batch = 0; batch < 3; batch++)
            {
                if (batch == 1)
                {
                    late = randperm(16);
                }
                else if (batch == 2)
                {
                    _ = late!.sum();
                }

                yield return nn.functional.mse_loss(model.call(x), y);
            }
        }

        var act = () => growth.TrainCandidates(MadeLate, new CascadeCorrelationOptions { MaxEpochs = 2, Patience = 2 }, (_, _) => { });

        act.Should().Throw<InvalidOperationException>()
            .WithMessage("CandidateLosses's sequence used a disposed tensor at batch 3*made before its first batch*int[]*DataLoader*")
            .WithInnerException<InvalidOperationException>().WithMessage("*empty handle*");
        growth.Branches.Should().AllSatisfy(b => b.Observer.Should().BeNull("the trainer detaches its observers on the way out"));
    }
}
