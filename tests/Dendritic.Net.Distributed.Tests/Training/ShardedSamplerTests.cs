using System;
using System.Linq;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Distributed.Tests.Training;

/// <summary>The sharded sampler: disjoint, complete global batches from one seeded order.</summary>
[TestFixture]
public sealed class ShardedSamplerTests
{
    [Test]
    public void Batches_ThreeRanks_DisjointAndTogetherEqualTheGlobalBatchesOfOneProcess()
    {
        const int size = 103, batch = 4, world = 3;
        var single = new ShardedSampler(size, batch * world, 0, 1, seed: 7);
        var ranks = Enumerable.Range(0, world).Select(r => new ShardedSampler(size, batch, r, world, seed: 7)).ToList();

        ranks.Should().AllSatisfy(s => s.BatchesPerEpoch.Should().Be(size / (batch * world)));
        for (var epoch = 0; epoch < 2; epoch++)
        {
            var perRank = ranks.Select(s => s.Batches(epoch)).ToList();
            var all = perRank.SelectMany(b => b).SelectMany(b => b).ToList();
            all.Should().OnlyHaveUniqueItems("the ranks see disjoint samples");
            all.Should().HaveCount(8 * batch * world);
            for (var step = 0; step < single.BatchesPerEpoch; step++)
            {
                perRank.SelectMany(b => b[step]).Should().Equal(single.Batches(epoch)[step], "rank slices in rank order make the single-process batch");
            }
        }
    }

    [Test]
    public void EpochOrder_SameSeed_SamePermutationOnEveryRankAndNewOneEachEpoch()
    {
        var a = new ShardedSampler(50, 5, 0, 2, seed: 3);
        var b = new ShardedSampler(50, 5, 1, 2, seed: 3);

        a.EpochOrder(0).Should().Equal(b.EpochOrder(0));
        a.EpochOrder(0).Should().BeEquivalentTo(Enumerable.Range(0, 50).Select(i => (long)i));
        a.EpochOrder(1).Should().NotEqual(a.EpochOrder(0));
        new ShardedSampler(50, 5, 0, 2, seed: 4).EpochOrder(0).Should().NotEqual(a.EpochOrder(0));
    }

    [Test]
    public void EvaluationShard_FourRanks_EverySampleExactlyOnce()
    {
        var shards = Enumerable.Range(0, 4).Select(r => ShardedSampler.EvaluationShard(10, r, 4)).ToList();

        shards.SelectMany(s => s).Should().BeEquivalentTo(Enumerable.Range(0, 10).Select(i => (long)i));
        shards.Select(s => s.Length).Should().Equal(3, 3, 2, 2);
    }

    [Test]
    public void Constructor_FewerSamplesThanOneGlobalBatch_Throws()
    {
        var act = () => new ShardedSampler(7, 4, 0, 2, seed: 1);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*global batch*");
    }

    [TestCase(2)]
    [TestCase(-1)]
    public void Constructor_RankOutsideTheWorld_NamesTheRankArgument(int rank)
    {
        var act = () => new ShardedSampler(1000, 8, rank, worldSize: 2, seed: 1);

        act.Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "rank").WithMessage("The rank must be a rank, 0 to 1 (world size 2).*");
    }

    [Test]
    public void Constructor_MoreSamplesThanAnArrayHolds_ThrowsNamingDatasetSize()
    {
        var act = () => new ShardedSampler((long)Array.MaxLength + 1, 8, 0, 2, seed: 1);

        act.Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "datasetSize").WithMessage("*more samples than one epoch's order can hold*");
    }

    [Test]
    public void Batches_NegativeEpoch_Throws()
    {
        var sampler = new ShardedSampler(64, 8, 0, 2, seed: 1);

        sampler.Invoking(s => s.Batches(-1)).Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "epoch");
    }
}
