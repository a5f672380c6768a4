using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Distributed;

/// <summary>
/// Data-parallel training over a communicator: every rank holds the whole model, trains on its own shard of each
/// batch (<see cref="ShardedSampler"/>), and averages gradients before the optimizer step, so that all ranks take the
/// same step: the step of one process on the whole batch (each rank's loss being the mean over its equal-size shard).
/// </summary>
/// <example>
/// <code>
/// var dp = new DataParallel(communicator);
/// dp.BroadcastParameters(model);                       // start: everyone gets rank 0's weights
/// foreach (var batch in sampler.Batches(epoch))
/// {
///     optimizer.zero_grad();
///     loss(model, batch).backward();
///     dp.AverageGradients(handle.TrainableParameters());
///     optimizer.step();
/// }
/// </code>
/// </example>
public sealed class DataParallel
{
    private readonly long _bucketBytes;

    /// <summary>Creates the helper.</summary>
    /// <param name="communicator">The group; its <see cref="ICommunicator.Device"/> must be the model's device.</param>
    /// <param name="options">Bucket size; <see cref="DataParallelOptions.Default"/> when null.</param>
    /// <exception cref="InvalidOptionsException">An invalid option.</exception>
    public DataParallel(ICommunicator communicator, DataParallelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        Communicator = communicator;
        Options = (options ?? DataParallelOptions.Default).Validate();
        _bucketBytes = Math.Max(1, (long)(Options.BucketMegabytes * 1024 * 1024));
    }

    /// <summary>The group.</summary>
    public ICommunicator Communicator { get; }

    /// <summary>The validated options.</summary>
    public DataParallelOptions Options { get; }

    /// <summary>
    /// Overwrites every parameter and buffer of <paramref name="model"/> with the root rank's values, after checking
    /// that all ranks have the same structure (the number of parameters and buffers, their order, shapes and dtypes;
    /// not their names): at the start of training, after growth, after a resume.
    /// </summary>
    /// <param name="model">The module; the same architecture on every rank.</param>
    /// <param name="root">The rank whose values win; default 0.</param>
    /// <exception cref="RankFailedException">The ranks' models differ in structure (the message says how), or another rank failed.</exception>
    public void BroadcastParameters(nn.Module model, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckSameStructure(model);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var tensor in Tensors(model))
        {
            if (tensor.is_contiguous())
            {
                Communicator.Broadcast(tensor, root);
            }
            else
            {
                var copy = tensor.contiguous();
                Communicator.Broadcast(copy, root);
                tensor.copy_(copy);
            }
        }
    }

    /// <summary>
    /// Replaces each gradient by its average over the ranks, in place, in buckets of
    /// <see cref="DataParallelOptions.BucketMegabytes"/>. Call it after backward and before the optimizer step, with
    /// the same parameter list on every rank. A parameter without a gradient on this rank counts as zeros in the
    /// average; it gets the average when another rank has a gradient for it (so that every rank's optimizer steps it,
    /// as in PyTorch DDP), and stays without one when no rank has. A list in which no parameter has a gradient (a call
    /// before backward) is refused on every rank, after the one small all-reduce that every call makes.
    /// </summary>
    /// <param name="parameters">The trainable parameters, in the same order on every rank.</param>
    /// <exception cref="InvalidOperationException">
    /// None of the parameters has a gradient on this rank: backward has not run since they were created or their
    /// gradients were set to none. It is thrown after the fingerprint all-reduce, which tells the other ranks, so they
    /// throw a <see cref="RankFailedException"/> at the same time, on any communicator, instead of waiting.
    /// </exception>
    /// <exception cref="RankFailedException">
    /// Another rank passed parameters without gradients (the message says how many ranks), another rank failed, or the
    /// ranks' lists differ in count, order, shapes or dtypes: every rank throws, on any communicator, before any gradient
    /// is averaged (one small all-reduce of the lists' fingerprints and of a no-gradient flag, on every call).
    /// </exception>
    public void AverageGradients(IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToList();
        using var scope = NewDisposeScope();
        // One all-reduce on every call carries both the lists' fingerprints and a "no gradient here" flag, so that every
        // rank learns of a rank without gradients from the collective it is in anyway, and all throw together (with
        // NCCL, a rank that threw before it would leave the others blocked until the timeout). Every call, not once
        // per list: skipping is each rank's own decision, and a rank whose list changed alone would meet the others'
        // gradient all-reduce with this check's, the mismatch it is there to catch.
        var noGradient = list.Count > 0 && list.TrueForAll(p => p.grad is null);
        var (same, ranksWithout) = TensorListSignature.SameOnEveryRank(Communicator, TensorListSignature.Of(list), noGradient);
        var shown = string.Join(", ", list.Take(4).Select(CollectiveChecks.Describe)) + (list.Count > 4 ? ", ..." : string.Empty);
        if (noGradient)
        {
            // Averaging would send zeros and change nothing here, and dilute the average of any rank that did run backward.
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"DataParallel.AverageGradients on rank {Communicator.Rank}: none of the {list.Count} parameters has a gradient ({shown}), so there is nothing to average. Call it after loss.backward() and before optimizer.step(), with parameters the loss depends on (handle.TrainableParameters())."));
        }

        if (ranksWithout > 0)
        {
            throw new RankFailedException(-1, "parameters without gradients", string.Create(CultureInfo.InvariantCulture, $"DataParallel.AverageGradients on rank {Communicator.Rank}: {ranksWithout} rank(s) passed parameters without gradients (their own InvalidOperationException names them), so no gradient was averaged. Call it on every rank after loss.backward() and before optimizer.step(), with parameters the loss depends on (handle.TrainableParameters())."));
        }

        if (!same)
        {
            throw new RankFailedException(-1, "parameter list mismatch", string.Create(CultureInfo.InvariantCulture, $"DataParallel.AverageGradients: the ranks' parameter lists differ in count, order, shape or dtype (rank {Communicator.Rank}: {list.Count} parameters, {list.Sum(p => p.numel())} elements: {shown}); averaging them would mix unrelated gradients. Pass every rank the same parameters in the same order (handle.TrainableParameters() of the same model), and grow, prune or freeze every rank alike (DistributedGrowthScheduler does)."));
        }

        using var _ = no_grad();
        foreach (var bucket in Buckets(list))
        {
            AverageBucket(bucket);
        }
    }

    /// <summary>
    /// Checks that every rank holds exactly rank 0's parameter and buffer values, by comparing float64 sums of values
    /// and of absolute values per tensor (not a proof of equality, but any rank that drifted is caught).
    /// </summary>
    /// <param name="model">The module.</param>
    /// <returns>True when every rank's sums equal rank 0's (the same answer on every rank).</returns>
    /// <exception cref="RankFailedException">The ranks' models differ in structure, or another rank failed.</exception>
    public bool ParametersEqual(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckSameStructure(model);
        return Agree(TensorFingerprint.Of(Tensors(model).ToList()));
    }

    /// <summary>Whether every rank has the same values as rank 0 (broadcast rank 0's, compare, count disagreements).</summary>
    internal bool Agree(double[] values)
    {
        using var scope = NewDisposeScope();
        var mine = tensor(values, ScalarType.Float64).to(Communicator.Device);
        var theirs = mine.clone();
        Communicator.Broadcast(theirs, 0);
        var differs = mine.eq(theirs).all().cpu().item<bool>() ? 0 : 1;
        var count = tensor(new[] { differs }, ScalarType.Int32).to(Communicator.Device);
        Communicator.AllReduce(count, ReduceOp.Sum);
        return count.cpu().item<int>() == 0;
    }

    /// <summary>Compares the number of tensors, then each one's dtype and shape (<see cref="TensorListSignature"/>), across the ranks.</summary>
    internal void CheckSameStructure(nn.Module model)
    {
        var tensors = Tensors(model).ToList();
        if (!TensorListSignature.SameOnEveryRank(Communicator, TensorListSignature.Of(tensors)))
        {
            throw new RankFailedException(-1, "structure mismatch", string.Create(CultureInfo.InvariantCulture, $"The ranks' models differ in structure (rank {Communicator.Rank}: {tensors.Count} tensors, {tensors.Sum(t => t.numel())} elements): build the same model on every rank, and grow it only through DistributedGrowthScheduler."));
        }
    }

    /// <summary>Parameters, then buffers, in the module's (deterministic) registration order.</summary>
    internal static IEnumerable<Tensor> Tensors(nn.Module model) =>
        model.named_parameters().Select(p => (Tensor)p.parameter).Concat(model.named_buffers().Select(b => b.buffer));

    /// <summary>
    /// All-reduces one bucket: the flattened gradients (zeros for a parameter without one), then one flag per parameter
    /// that is 1 where this rank has a gradient. A parameter that has a gradient on some ranks only (a branch that this
    /// rank's batch did not use) gets the average on every rank, so that every optimizer steps it; without the flags
    /// the ranks without a gradient would skip it and their weights would part from the others'.
    /// </summary>
    private void AverageBucket(List<Parameter> bucket)
    {
        var grads = bucket.Select(p => p.grad).ToArray();
        var missing = Array.Exists(grads, g => g is null);
        var dtype = bucket[0].dtype;
        var device = bucket[0].device;
        var pieces = new Tensor[bucket.Count + 1];
        for (var i = 0; i < bucket.Count; i++)
        {
            pieces[i] = grads[i] is { } g ? g.reshape(-1) : zeros(bucket[i].numel(), dtype, device);
        }

        // All ones needs no copy from the host, the usual case.
        pieces[^1] = missing ? tensor(grads.Select(g => g is null ? 0f : 1f).ToArray()).to(dtype, device) : ones(bucket.Count, dtype, device);
        var flat = cat(pieces, 0);
        Communicator.AllReduce(flat, ReduceOp.Average);
        var total = flat.shape[0] - bucket.Count;
        var anyRank = missing ? flat.narrow(0, total, bucket.Count).to(ScalarType.Float32).cpu().data<float>().ToArray() : null;
        var offset = 0L;
        for (var i = 0; i < bucket.Count; i++)
        {
            var p = bucket[i];
            var n = p.numel();
            var slice = flat.narrow(0, offset, n);
            if (grads[i] is { } g)
            {
                g.copy_(slice.view_as(g));
            }
            else if (anyRank![i] > 0)
            {
                p.grad = slice.view_as(p).clone();
            }

            offset += n;
        }
    }

    private IEnumerable<List<Parameter>> Buckets(IReadOnlyList<Parameter> parameters)
    {
        var bucket = new List<Parameter>();
        long bytes = 0;
        foreach (var p in parameters)
        {
            var size = p.numel() * p.ElementSize;
            if (bucket.Count > 0 && (bytes + size > _bucketBytes || bucket[0].dtype != p.dtype))
            {
                yield return bucket;
                bucket = new List<Parameter>();
                bytes = 0;
            }

            bucket.Add(p);
            bytes += size;
        }

        if (bucket.Count > 0)
        {
            yield return bucket;
        }
    }
}
