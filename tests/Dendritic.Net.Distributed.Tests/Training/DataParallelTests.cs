using System;
using System.Linq;
using Dendritic.Distributed.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Distributed.Tests.Training;

/// <summary>Gradient averaging and parameter broadcast.</summary>
[TestFixture]
public sealed class DataParallelTests
{
    [TestCase(25.0)]
    [TestCase(0.0001)]
    public void AverageGradients_TwoRanksOnHalfBatches_EqualsTheGradientOfOneProcessOnTheWholeBatch(double bucketMegabytes)
    {
        manual_seed(1);
        var reference = Models.Mlp().to(ScalarType.Float64);
        var weights = reference.parameters().Select(p => p.detach().clone()).ToList();
        using var x = randn(8, 4, ScalarType.Float64);
        using var y = randint(0, 3, 8);
        nn.functional.cross_entropy(reference.call(x), y).backward();
        var expected = reference.parameters().SelectMany(p => p.grad!.data<double>().ToArray()).ToArray();

        var perRank = InProcessGroup.Run(2, c =>
        {
            var model = Models.Mlp().to(ScalarType.Float64);
            Models.CopyInto(model, weights);
            using var shard = arange(c.Rank * 4, (c.Rank + 1) * 4);
            nn.functional.cross_entropy(model.call(x.index_select(0, shard)), y.index_select(0, shard)).backward();
            new DataParallel(c, new DataParallelOptions { BucketMegabytes = bucketMegabytes }).AverageGradients(model.parameters());
            return model.parameters().SelectMany(p => p.grad!.data<double>().ToArray()).ToArray();
        });

        perRank[0].Should().Equal(perRank[1], "both ranks hold the same averaged gradient");
        for (var i = 0; i < expected.Length; i++)
        {
            perRank[0][i].Should().BeApproximately(expected[i], 1e-12 + (1e-9 * Math.Abs(expected[i])));
        }
    }

    [Test]
    public void AverageGradients_BeforeBackward_ThrowsNamingTheParameters()
    {
        using var group = new InProcessGroup(1);
        var model = Models.Mlp();

        var act = () => new DataParallel(group.Communicator(0)).AverageGradients(model.parameters());

        act.Should().Throw<InvalidOperationException>().WithMessage("DataParallel.AverageGradients on rank 0: none of the 4 parameters has a gradient (Float32[6,4], Float32[6], Float32[3,6], Float32[3]), so there is nothing to average. Call it after loss.backward()*");
        model.parameters().All(p => p.grad is null).Should().BeTrue("nothing was written");
    }

    [Test]
    public void AverageGradients_OneRankSkippedBackward_TheOtherStopsWithRankFailedNamingIt()
    {
        var run = () => InProcessGroup.Run(2, c =>
        {
            var model = Models.Mlp();
            if (c.Rank == 0)
            {
                using var x = randn(2, 4);
                model.call(x).sum().backward();
            }

            new DataParallel(c).AverageGradients(model.parameters());
            return 0;
        });

        var errors = run.Should().Throw<AggregateException>().Which.InnerExceptions;
        errors.Should().HaveCount(2);
        errors[0].Should().BeOfType<RankFailedException>().Which.Message.Should().Contain("1 rank(s) passed parameters without gradients");
        errors[1].Should().BeOfType<InvalidOperationException>().Which.Message.Should().Contain("on rank 1: none of the 4 parameters has a gradient");
    }

    [Test]
    public void AverageGradients_TwoOfThreeRanksSkippedBackward_EveryRankThrowsAfterTheOneCollective()
    {
        var run = () => InProcessGroup.Run(3, c =>
        {
            var model = Models.Mlp();
            if (c.Rank == 0)
            {
                using var x = randn(2, 4);
                model.call(x).sum().backward();
            }

            new DataParallel(c).AverageGradients(model.parameters());
            return 0;
        });

        var errors = run.Should().Throw<AggregateException>().Which.InnerExceptions;
        errors.Should().HaveCount(3);
        errors[0].Should().BeOfType<RankFailedException>().Which.Message.Should().StartWith("DataParallel.AverageGradients on rank 0: 2 rank(s) passed parameters without gradients");
        errors[1].Should().BeOfType<InvalidOperationException>().Which.Message.Should().Contain("on rank 1: none of the 4 parameters has a gradient");
        errors[2].Should().BeOfType<InvalidOperationException>().Which.Message.Should().Contain("on rank 2: none of the 4 parameters has a gradient");
    }

    [Test]
    public void AverageGradients_SomeParametersWithoutGradient_AveragesTheOthersAndLeavesThemWithout()
    {
        var perRank = InProcessGroup.Run(2, c =>
        {
            var model = Models.Mlp();
            var first = model.parameters().First();
            using (var x = full(new long[] { 1, 4 }, c.Rank + 1.0f))
            {
                // Only fc1's weight gets a gradient: the loss reads it alone.
                first.matmul(x.t()).sum().backward();
            }

            new DataParallel(c).AverageGradients(model.parameters());
            return (first.grad!.mean().item<float>(), others: model.parameters().Skip(1).Count(p => p.grad is null));
        });

        perRank.Should().AllSatisfy(r => r.Should().Be((1.5f, 3)), "the average of 1 and 2; the parameters without a gradient keep none");
    }

    [Test]
    public void AverageGradients_ParameterWithGradientOnOneRankOnly_EveryRankGetsTheAverage()
    {
        var perRank = InProcessGroup.Run(2, c =>
        {
            var model = Models.Mlp();
            var parameters = model.parameters().ToList();
            using (var x = full(new long[] { 1, 4 }, 2.0f))
            {
                // fc1's bias enters only rank 0's loss (a branch that rank 1's batch did not take), with gradient 1.
                var loss = parameters[0].matmul(x.t()).sum();
                loss = c.Rank == 0 ? loss + parameters[1].sum() : loss;
                loss.backward();
            }

            new DataParallel(c).AverageGradients(parameters);
            return (bias: parameters[1].grad?.mean().item<float>(), without: parameters.Skip(2).Count(p => p.grad is null));
        });

        perRank.Should().AllSatisfy(r => r.Should().Be(((float?)0.5f, 2)), "rank 1 gets the average too, or its optimizer would skip the bias and the ranks' weights would part; fc2 has no gradient anywhere and keeps none");
    }

    [Test]
    public void AverageGradients_RanksPassTheirParametersInAnotherOrder_EveryRankThrowsRankFailed()
    {
        // Reversed, the list fills buckets of the same size: only a comparison of the lists can tell, on any communicator.
        var run = () => InProcessGroup.Run(2, c =>
        {
            var model = Models.Mlp();
            using (var x = randn(2, 4))
            {
                model.call(x).sum().backward();
            }

            var parameters = model.parameters().ToList();
            if (c.Rank == 1)
            {
                parameters.Reverse();
            }

            new DataParallel(c).AverageGradients(parameters);
            return 0;
        });

        var error = run.Should().Throw<AggregateException>().Which;
        error.InnerExceptions.Should().HaveCount(2).And.AllBeOfType<RankFailedException>();
        error.InnerExceptions.Should().AllSatisfy(e => e.Message.Should().Contain("parameter lists differ"));
    }

    [Test]
    public void Training_TwoRanksWithShardedSampler_FollowsTheTrajectoryOfOneProcessOnTheGlobalBatches()
    {
        manual_seed(2);
        var weights = Models.Mlp().to(ScalarType.Float64).parameters().Select(p => p.detach().clone()).ToList();
        using var x = randn(40, 4, ScalarType.Float64);
        using var y = randint(0, 3, 40);
        double[] Train(ICommunicator c, int batch)
        {
            var model = Models.Mlp().to(ScalarType.Float64);
            Models.CopyInto(model, weights);
            var dp = new DataParallel(c);
            var sgd = optim.SGD(model.parameters(), 0.5);
            var sampler = new ShardedSampler(40, batch, c.Rank, c.WorldSize, seed: 5);
            for (var epoch = 0; epoch < 2; epoch++)
            {
                foreach (var indices in sampler.Batches(epoch))
                {
                    using var index = tensor(indices);
                    sgd.zero_grad();
                    nn.functional.cross_entropy(model.call(x.index_select(0, index)), y.index_select(0, index)).backward();
                    dp.AverageGradients(model.parameters());
                    sgd.step();
                }
            }

            return Models.Values(model);
        }

        var single = InProcessGroup.Run(1, c => Train(c, 8))[0];
        var parallel = InProcessGroup.Run(2, c => Train(c, 4));

        parallel[1].Should().Equal(parallel[0]);
        for (var i = 0; i < single.Length; i++)
        {
            parallel[0][i].Should().BeApproximately(single[i], 1e-9 + (1e-9 * Math.Abs(single[i])));
        }
    }

    [Test]
    public void BroadcastParameters_RanksStartDifferent_AllHoldRank0sValues()
    {
        var values = InProcessGroup.Run(3, c =>
        {
            var model = Models.Mlp();
            using (no_grad())
            {
                model.parameters().First().fill_(c.Rank);
            }

            var dp = new DataParallel(c);
            var before = dp.ParametersEqual(model);
            dp.BroadcastParameters(model);
            return (before, after: dp.ParametersEqual(model), values: Models.Values(model));
        });

        values.Should().AllSatisfy(v => v.before.Should().BeFalse());
        values.Should().AllSatisfy(v => v.after.Should().BeTrue());
        values[1].values.Should().Equal(values[0].values);
        values[2].values.Should().Equal(values[0].values);
    }

    [Test]
    public void BroadcastParameters_RanksBuiltDifferentModels_EveryRankThrowsRankFailed()
    {
        var run = () => InProcessGroup.Run(2, c =>
        {
            var model = c.Rank == 0 ? Models.Mlp() : nn.Sequential(("fc1", nn.Linear(4, 7)), ("fc2", nn.Linear(7, 3)));
            new DataParallel(c).BroadcastParameters(model);
            return 0;
        });

        var error = run.Should().Throw<AggregateException>().Which;
        error.InnerExceptions.Should().HaveCount(2).And.AllBeOfType<RankFailedException>();
        error.InnerExceptions.Should().Contain(e => e.Message.Contains("differ in structure"));
    }

    [Test]
    public void Options_BucketNotPositive_ThrowsInvalidOptions()
    {
        var act = () => new DataParallelOptions { BucketMegabytes = 0 }.Validate();

        act.Should().Throw<InvalidOptionsException>().WithMessage("*BucketMegabytes*");
    }
}
