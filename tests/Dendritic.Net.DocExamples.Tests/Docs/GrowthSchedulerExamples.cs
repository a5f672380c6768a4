using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dendritic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DocExamples.InGrowthScheduler;

/// <summary>docs/growth-scheduler.md's examples.</summary>
public sealed class GrowthSchedulerExamples : DocExample
{
    public static void TheLoop(nn.Module<Tensor, Tensor> model, double lr, int maxEpochs, TimeSpan elapsed)
    {
        // doc-example: docs/growth-scheduler.md
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0, Logger = logger });
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { Mode = ScoreMode.Minimize, Patience = 5 });
        var optimizer = optim.Adam(handle.TrainableParameters(), lr);

        for (var epoch = 0; epoch < maxEpochs; epoch++)
        {
            TrainOneEpoch(model, optimizer);
            var decision = scheduler.Step(ValidationLoss(model), learningRate: lr, epochTime: elapsed);
            if (decision.RebuildOptimizer)                 // grown, or a completion that removed sets
            {
                optimizer.Dispose();
                lr = decision.LearningRate ?? lr;          // the restart factor, if you set one, is already applied
                optimizer = optim.Adam(decision.TrainableParameters, lr);
            }

            if (decision.IsCompleted)                      // the best model is already in place
            {
                break;
            }
        }

        scheduler.Finish();                                // maxEpochs ran out first: put the best model back
        DendriteCheckpoint.Save(handle, "model.dndt");     // the best model, to deploy (or OnnxExporter.Export)
        scheduler.History.WriteCsv("growth.csv");
        scheduler.History.WriteSvg("growth.svg");
        // end doc-example
    }

    public static void ResumeWithCandidateLosses(string path, IEnumerable<(Tensor X, Tensor Y)> batches, Func<Tensor, Tensor, Tensor> lossFn)
    {
        // doc-example: docs/growth-scheduler.md
        var model = BuildMyModel();
        var loaded = DendriteCheckpoint.Load(model, path);
        var state = GrowthSchedulerState.FromCheckpoint(loaded)
            ?? throw new InvalidOperationException($"{path} was not saved by GrowthScheduler.SaveCheckpoint.");
        var scheduler = GrowthScheduler.Resume(loaded, state.Options! with
        {
            CandidateLosses = () => batches.Select(b => lossFn(model.call(b.X), b.Y)),
        });
        // end doc-example
    }

    public static void SaveYourLoop(GrowthScheduler scheduler, string path, int epoch, optim.Optimizer optimizer)
    {
        // doc-example: docs/growth-scheduler.md
        // After lrScheduler.step() and scheduler.Step, and after rebuilding the optimizer if it grew.
        using (var rng = torch.get_rng_state())
        {
            scheduler.SaveCheckpoint(path, new Dictionary<string, string>      // writes path + ".best" and path
            {
                ["epoch"] = (epoch + 1).ToString(CultureInfo.InvariantCulture), // epochs done
                ["rng"] = Convert.ToBase64String(rng.data<byte>().ToArray()),
            }, optimizer);                                                      // its state goes into the checkpoint file
        }
        // end doc-example
    }

    public static void ResumeYourLoop(string path)
    {
        // doc-example: docs/growth-scheduler.md
        var model = BuildMyModel();
        var loaded = DendriteCheckpoint.Load(model, path,                      // frozen base parameters as saved; the
            new CheckpointLoadOptions { Logger = logger });                     // handle's logger, which the scheduler logs to
        var scheduler = GrowthScheduler.Resume(loaded);                         // dendrite sets' trainability as saved
        var optimizer = optim.Adam(loaded.Handle.TrainableParameters(), 1e-3);  // after Resume, which sets what trains
        var epochs = int.Parse(loaded.Manifest.Extras["epoch"], CultureInfo.InvariantCulture);
        var lrScheduler = optim.lr_scheduler.StepLR(optimizer, 10, 0.5, last_epoch: epochs - 1); // before the state: see below
        DendriteCheckpoint.LoadOptimizerState(loaded, optimizer);               // moments, step counts, learning rate
        using (var rng = torch.tensor(Convert.FromBase64String(loaded.Manifest.Extras["rng"])))
        {
            torch.set_rng_state(rng);
        }
        // end doc-example
    }

    /// <summary>Inside the loop above: the optimizer and its LR scheduler built there with optim.Adam and StepLR.</summary>
    public static void RebuildWithLrScheduler(GrowthDecision decision, Adam optimizer, optim.lr_scheduler.LRScheduler lrScheduler, double lr, int epoch)
    {
        // doc-example: docs/growth-scheduler.md
        if (decision.RebuildOptimizer)
        {
            optimizer.Dispose();
            var rate = decision.LearningRate ?? lr;
            optimizer = optim.Adam(decision.TrainableParameters, rate);
            lrScheduler = optim.lr_scheduler.StepLR(optimizer, 10, 0.5, last_epoch: epoch); // epoch + 1 epochs done; steps once
            foreach (var group in optimizer.ParamGroups)
            {
                group.LearningRate = rate;                                      // undo that step's decay
            }
        }
        // end doc-example
    }

    public static void FitAndResume(GrowthScheduler scheduler, LoadedCheckpoint loaded, int epochs, Func<GrowthDecision, optim.Optimizer> factory,
        Action<int, optim.Optimizer> trainEpoch, Func<int, double> validate, string path)
    {
        // doc-example: docs/growth-scheduler.md
        scheduler.Fit(epochs, factory, trainEpoch, validate, new SaveEveryEpoch(scheduler, path));

        // Later:
        var resumed = GrowthScheduler.Resume(loaded);
        using (var rng = torch.tensor(Convert.FromBase64String(loaded.Manifest.Extras["rng"])))
        {
            torch.set_rng_state(rng);                                           // the generator where the saved run left it
        }
        resumed.Fit(epochs, d => optim.Adam(d.TrainableParameters, d.LearningRate ?? 1e-3),
            trainEpoch, validate, new SaveEveryEpoch(resumed, path));      // epochs go on from the saved run's
        // end doc-example
    }

    public static void ConvenienceLoop(DendriticModel handle, GrowthOptions options, nn.Module<Tensor, Tensor> model)
    {
        // doc-example: docs/growth-scheduler.md
        var scheduler = new GrowthScheduler(handle, options);
        var result = scheduler.Fit(epochs: 100,
            optimizerFactory: d => optim.Adam(d.TrainableParameters, d.LearningRate ?? 1e-3),
            trainEpoch: (epoch, optimizer) => TrainOneEpoch(model, optimizer),
            validate: epoch => ValidationLoss(model),
            progress: new Progress<GrowthProgress>(p => Console.WriteLine(
                $"epoch {p.Epoch}/{p.Epochs}: score {p.Decision.Score:F4} (best {p.Decision.BestScore:F4}), {p.Decision.Action}: {p.Decision.Message}")));
        // end doc-example
    }
}

// doc-example: docs/growth-scheduler.md
// A progress handler that saves at once, on Fit's thread; not Progress<T> (see below).
sealed class SaveEveryEpoch(GrowthScheduler scheduler, string path) : IProgress<GrowthProgress>
{
    public void Report(GrowthProgress p)
    {
        using var rng = torch.get_rng_state();                          // fresh dendrites and your batches draw from it
        scheduler.SaveCheckpoint(path, new Dictionary<string, string>
        {
            ["epoch"] = p.Epoch.ToString(CultureInfo.InvariantCulture),
            ["rng"] = Convert.ToBase64String(rng.data<byte>().ToArray()),
        }, scheduler.Optimizer);
    }
}
// end doc-example
