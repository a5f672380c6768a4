using System;
using System.Collections.Generic;

namespace Dendritic.Distributed;

/// <summary>
/// Batches for one rank: every rank draws the same seeded order of the data set each epoch, cuts it into global
/// batches of <see cref="BatchSize"/> × world size samples, and takes its own contiguous slice of each, so that the
/// ranks see disjoint samples and, together, exactly the global batches one process would see. The last incomplete
/// global batch is dropped, so every rank takes the same number of steps (a rank with one step more would wait
/// forever in its gradient all-reduce).
/// </summary>
public sealed class ShardedSampler
{
    /// <summary>Creates the sampler.</summary>
    /// <param name="datasetSize">Samples in the data set; at least one global batch.</param>
    /// <param name="batchSize">Samples per rank and step; at least 1.</param>
    /// <param name="rank">This rank.</param>
    /// <param name="worldSize">The number of ranks.</param>
    /// <param name="seed">The order's seed; the same on every rank.</param>
    /// <param name="shuffle">Whether to shuffle each epoch (default true); false keeps the data set order.</param>
    /// <exception cref="ArgumentOutOfRangeException">A bad size or rank, fewer samples than one global batch, or more than <see cref="Array.MaxLength"/>.</exception>
    public ShardedSampler(long datasetSize, int batchSize, int rank, int worldSize, ulong seed, bool shuffle = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        CollectiveChecks.Rank(rank, worldSize, nameof(rank));
        if (datasetSize < (long)batchSize * worldSize)
        {
            throw new ArgumentOutOfRangeException(nameof(datasetSize), datasetSize, $"The data set has fewer samples than one global batch ({batchSize} per rank × {worldSize} ranks); use a smaller batch.");
        }

        if (datasetSize > Array.MaxLength)
        {
            // EpochOrder holds the whole permutation in one array.
            throw new ArgumentOutOfRangeException(nameof(datasetSize), datasetSize, $"The data set has more samples than one epoch's order can hold ({Array.MaxLength:N0}); shard it into parts of at most that size.");
        }

        DatasetSize = datasetSize;
        BatchSize = batchSize;
        Rank = rank;
        WorldSize = worldSize;
        Seed = seed;
        Shuffle = shuffle;
    }

    /// <summary>Samples in the data set.</summary>
    public long DatasetSize { get; }

    /// <summary>Samples per rank and step.</summary>
    public int BatchSize { get; }

    /// <summary>This rank.</summary>
    public int Rank { get; }

    /// <summary>The number of ranks.</summary>
    public int WorldSize { get; }

    /// <summary>The seed of the order.</summary>
    public ulong Seed { get; }

    /// <summary>Whether each epoch is shuffled.</summary>
    public bool Shuffle { get; }

    /// <summary>Steps per epoch, the same on every rank: the number of complete global batches.</summary>
    public int BatchesPerEpoch => (int)(DatasetSize / ((long)BatchSize * WorldSize));

    /// <summary>The global order of one epoch: the same permutation on every rank (SplitMix64 Fisher-Yates, independent of torch and .NET versions).</summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <returns>A permutation of 0 to <see cref="DatasetSize"/> - 1.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
    public long[] EpochOrder(int epoch)
    {
        // A negative epoch would give an order of its own, the same on every rank, and hide a bug in the caller's count.
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var order = new long[DatasetSize];
        for (long i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        if (!Shuffle)
        {
            return order;
        }

        var state = Seed ^ (0x9E3779B97F4A7C15UL * (ulong)(epoch + 1));
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = (long)(Next(ref state) % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    /// <summary>This rank's batches of one epoch: sample indices, <see cref="BatchSize"/> each.</summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <returns><see cref="BatchesPerEpoch"/> batches.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
    public IReadOnlyList<long[]> Batches(int epoch)
    {
        var order = EpochOrder(epoch);
        var global = (long)BatchSize * WorldSize;
        var batches = new List<long[]>(BatchesPerEpoch);
        for (var b = 0; b < BatchesPerEpoch; b++)
        {
            var batch = new long[BatchSize];
            Array.Copy(order, (b * global) + ((long)Rank * BatchSize), batch, 0, BatchSize);
            batches.Add(batch);
        }

        return batches;
    }

    /// <summary>
    /// This rank's share of an evaluation set: samples rank, rank + world size, ... (every sample on exactly one rank;
    /// shares differ by at most one, so combine the ranks' scores weighted by sample count).
    /// </summary>
    /// <param name="datasetSize">Samples in the evaluation set.</param>
    /// <param name="rank">This rank.</param>
    /// <param name="worldSize">The number of ranks.</param>
    /// <returns>The indices, ascending.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="datasetSize"/> is negative, <paramref name="worldSize"/> is below 1, or <paramref name="rank"/> is not 0 to <paramref name="worldSize"/> - 1.</exception>
    public static long[] EvaluationShard(long datasetSize, int rank, int worldSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(datasetSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        CollectiveChecks.Rank(rank, worldSize, nameof(rank));
        var count = datasetSize > rank ? ((datasetSize - rank - 1) / worldSize) + 1 : 0;
        var shard = new long[count];
        for (long i = 0; i < count; i++)
        {
            shard[i] = rank + (i * worldSize);
        }

        return shard;
    }

    private static ulong Next(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
