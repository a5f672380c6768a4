using Dendritic;
using Dendritic.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace DocExamples.InDistributed;

/// <summary>docs/distributed.md's examples.</summary>
public sealed class DistributedExamples : DocExample
{
    public static void Resume(ICommunicator communicator, GrowthOptions options, double lr)
    {
        // doc-example: docs/distributed.md
        var load = new CheckpointLoadOptions { Logger = logger };       // caps, AllowNonFiniteWeights, ModuleHosts as for Load
        var growth = DistributedGrowthScheduler.Resume(communicator, BuildMyModel(), "run.dndt", options, load);
        var optimizer = optim.Adam(growth.Model.TrainableParameters(), lr);
        growth.LoadOptimizerState(optimizer);                            // every rank: rank 0's saved moments, steps, rates
        var extras = DendriteCheckpoint.ReadManifest("run.dndt").Extras;  // your own, e.g. the epoch and generator state saved
        // end doc-example
    }

    public static void InProcess(GrowthOptions options, long trainSize, int batchPerRank)
    {
        // doc-example: docs/distributed.md
        var build = new object();
        var finalScores = InProcessGroup.Run(2, communicator =>
        {
            nn.Module<Tensor, Tensor> model;
            lock (build)                                                  // the rank threads share torch's generator:
            {                                                             // seeded and built one at a time, rank 0's
                torch.manual_seed(1);                                     // weights (which every rank takes) repeat
                model = BuildMyModel();                                   // in every run. One model per rank, on the CPU
            }

            var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
            var growth = new DistributedGrowthScheduler(communicator, handle, options);
            var dp = new DataParallel(communicator);
            var sampler = new ShardedSampler(trainSize, batchPerRank, communicator.Rank, communicator.WorldSize, seed: 1);
            // ... the README's loop: AverageGradients after backward, growth.Step(score, count, lr) after validation ...
            return growth.BestScore;
        });
        // end doc-example
    }
}
