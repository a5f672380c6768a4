using Dendritic;
using Dendritic.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace DocExamples.InPackageReadmes;

/// <summary>src/Dendritic.Net.Distributed/README.md's example, in a file with exactly its usings.</summary>
public static class DistributedReadme
{
    // The reader's loss on a batch of sample indices, and validation on an evaluation shard: (summed score, samples).
    private static Tensor Loss(nn.Module<Tensor, Tensor> model, long[] batch) => throw new System.NotSupportedException(DocExample.NeverRun);

    private static (double Score, long Count) Validate(nn.Module<Tensor, Tensor> model, long[] shard) => throw new System.NotSupportedException(DocExample.NeverRun);

    public static void Training(nn.Module<Tensor, Tensor> model, GrowthOptions options, long trainSize, int batchPerRank, long validSize, double lr, int epochs)
    {
        // doc-example: src/Dendritic.Net.Distributed/README.md
        using var communicator = NcclCommunicator.Create();             // RANK, WORLD_SIZE, LOCAL_RANK, DENDRITIC_NCCL_ID(_FILE)
        var device = communicator.Device;                                // cuda:LOCAL_RANK
        model.to(device);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        var growth = new DistributedGrowthScheduler(communicator, handle, options);   // broadcasts rank 0's weights
        var dp = new DataParallel(communicator);
        var sampler = new ShardedSampler(trainSize, batchPerRank, communicator.Rank, communicator.WorldSize, seed: 1);
        var optimizer = optim.Adam(handle.TrainableParameters(), lr);
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            foreach (var batch in sampler.Batches(epoch))
            {
                optimizer.zero_grad();
                Loss(model, batch).backward();
                dp.AverageGradients(handle.TrainableParameters());      // bucketed, in place
                optimizer.step();
            }

            var (score, count) = Validate(model, ShardedSampler.EvaluationShard(validSize, communicator.Rank, communicator.WorldSize));
            var decision = growth.Step(score, count, lr);               // combined over ranks, same decision everywhere
            if (decision.RebuildOptimizer) { optimizer.Dispose(); lr = decision.LearningRate ?? lr; optimizer = optim.Adam(decision.TrainableParameters, lr); }
            if (growth.IsWriter) { /* reports */ }
            growth.SaveCheckpoint("run.dndt", optimizer: optimizer);     // rank 0 writes (its optimizer's state until complete), everyone waits
            if (decision.IsCompleted) break;
        }
        growth.Finish();                                                 // epochs ran out first: every rank puts the best model back
        if (growth.IsWriter) DendriteCheckpoint.Save(handle, "model.dndt");   // the best model, to deploy
        // end doc-example
    }
}
