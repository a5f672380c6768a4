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
