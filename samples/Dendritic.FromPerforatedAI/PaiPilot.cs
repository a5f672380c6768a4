using System;
using System.IO;
using System.Linq;
using Dendritic.Experiments;
using static TorchSharp.torch;

namespace Dendritic.FromPerforatedAI;

/// <summary>
/// pai_pilot.py's functions, one method each (<c>mlp</c>, <c>acc</c>, <c>epoch</c>, <c>plain_arm</c>, <c>pai_arm</c>,
/// <c>width_for</c>), on the same digits, seeded and ordered as the script does. Every perforatedai call of
/// <c>pai_arm</c> is named in a comment above the line that replaces it.
/// </summary>
internal sealed class PaiPilot
{
    /// <summary>The baseline's and the dendritic arm's width: the pilot's deliberately narrow MLP, 784-8-10.</summary>
    public const int NarrowWidth = 8;

    /// <summary><c>plain_arm(seed, 8, 15)</c>: the baseline trains for 15 epochs.</summary>
    public const int BaselineEpochs = 15;

    /// <summary>MAX_EPOCHS: the dendritic arm stops here if the tracker has not completed.</summary>
    public const int MaxEpochs = 45;

    /// <summary>PATIENCE, <c>set_n_epochs_to_switch</c>.</summary>
    public const int Patience = 3;

    /// <summary>MAXD, <c>set_max_dendrites</c>.</summary>
    public const int MaxDendrites = 2;

    /// <summary><c>set_max_dendrite_tries(2)</c>.</summary>
    public const int MaxDendriteTries = 2;

    private const double LearningRate = 0.003;   // torch.optim.Adam(..., lr=0.003) in every arm
    private const int BatchSize = 64;            // epoch(..., bs=64)

    private readonly Tensor trainInputs;
    private readonly Tensor trainTargets;
    private readonly Tensor validationInputs;
    private readonly Tensor validationTargets;
    private readonly Tensor testInputs;
    private readonly Tensor testTargets;

    /// <param name="data">
    /// The digits as <see cref="IdxImageFolder.Load"/> reads them: the last 12.5 % of the training file held out for
    /// validation, as the script's <c>nv = round(len(Xtr) * 0.125)</c>, pixels in [0, 1] as its <c>/ 255</c>.
    /// </param>
    public PaiPilot(ExperimentData data)
    {
        // IdxImageFolder gives images as [n, 1, 28, 28]; the script's idx() views them as [n, 784] for the MLP.
        trainInputs = Flatten(data.Train.Inputs);
        trainTargets = data.Train.Targets;
        validationInputs = Flatten(data.Validation.Inputs);
        validationTargets = data.Validation.Targets;
        testInputs = Flatten(data.Test.Inputs);
        testTargets = data.Test.Targets;
    }

    /// <summary><c>mlp(w)</c>: <c>nn.Sequential(nn.Linear(784, w), nn.ReLU(), nn.Linear(w, 10))</c>.</summary>
    public static nn.Module<Tensor, Tensor> Mlp(long width) => nn.Sequential(nn.Linear(784, width), nn.ReLU(), nn.Linear(width, 10));

    /// <summary><c>width_for(p)</c>: the plain MLP width whose parameter count is nearest p (the smallest on a tie, as Python's <c>min</c>).</summary>
    public static int WidthFor(long parameters) => Enumerable.Range(1, 199).MinBy(w => Math.Abs(784L * w + w + 10L * w + 10 - parameters));

    /// <summary><c>acc(m, X, Y)</c>: percent correct, in eval mode, then back to train mode.</summary>
    public static double Accuracy(nn.Module<Tensor, Tensor> model, Tensor inputs, Tensor targets)
    {
        model.eval();
        double percent;
        using (no_grad())
        using (NewDisposeScope())
        {
            // (... == Y).float().mean().item() * 100: the mean in float32, times 100 in double, so the digits match.
            percent = model.call(inputs).argmax(1).eq(targets).to_type(ScalarType.Float32).mean().item<float>() * 100.0;
        }

        model.train();
        return percent;
    }

    /// <summary><c>epoch(m, opt, seed, e)</c>: one pass over the training digits in batches of 64.</summary>
    public void TrainOneEpoch(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, int seed, int epoch)
    {
        // torch.Generator().manual_seed(seed * 100003 + e): a generator of its own, so the order depends on the seed and
        // the epoch only, not on what the model's initialisation or the dendrites drew from the global one.
        using var generator = new Generator((ulong)(seed * 100003L + epoch));
        using var order = randperm(trainInputs.shape[0], generator: generator);
        var count = trainInputs.shape[0];
        for (long start = 0; start < count; start += BatchSize)
        {
            using var scope = NewDisposeScope();
            var batch = order.narrow(0, start, Math.Min(BatchSize, count - start));   // perm[i:i + bs], the last one short
            optimizer.zero_grad();
            nn.functional.cross_entropy(model.call(trainInputs.index(batch)), trainTargets.index(batch)).backward();
            optimizer.step();
        }
    }

    /// <summary>
    /// <c>plain_arm(seed, w, epochs)</c>: a plain MLP of width <paramref name="width"/>, and its test accuracy at the
    /// epoch of its best validation accuracy (the first one on a tie).
    /// </summary>
    public PlainArmResult PlainArm(int seed, int width, int epochs)
    {
        manual_seed(seed);   // torch.manual_seed(seed) right before mlp(w): the same initial weights as the script's
        using var model = Mlp(width);
        using var optimizer = optim.Adam(model.parameters(), lr: LearningRate);
        var best = (Validation: -1.0, Test: 0.0);
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            TrainOneEpoch(model, optimizer, seed, epoch);
            var validation = Accuracy(model, validationInputs, validationTargets);
            if (validation > best.Validation)
            {
                best = (validation, Accuracy(model, testInputs, testTargets));
            }
        }

        return new PlainArmResult(width, ModelCost.Parameters(model), epochs, best.Test);
    }

    /// <summary>
    /// <c>pai_arm(seed)</c>: the narrow MLP grown by the scheduler with the original's rules until it completes or
    /// <see cref="MaxEpochs"/> run out; then, what the script does not do, the same weights with the dendrites
    /// switched off and the model saved and loaded again.
    /// </summary>
    /// <param name="seed">The run's seed, as for the other arms.</param>
    /// <param name="log">Where each growth decision is written.</param>
    public PaiArmResult PaiArm(int seed, Action<string> log)
    {
        // GPA.pc.set_testing_dendrite_capacity(False), set_unwrapped_modules_confirmed, set_weight_decay_accepted,
        // set_checked_skipped_modules, set_verbose(False), set_silent(True), set_test_saves(False): nothing to set here,
        // the library never prompts, prints or writes a file unless asked.
        manual_seed(seed);
        using var model = Mlp(NarrowWidth);

        // m = UPA.initialize_pai(m, save_name=f"s{seed}", making_graphs=False): in place, `model` stays the model
        var handle = Dendrites.Wrap(model, new WrapOptions
        {
            InitialDendrites = 0,                                  // perforatedai starts without dendrites; Wrap's default is 1
            Dendrite = DendriteOptions.PerforatedAICompatible,     // dendrite weights from N(0, 0.01²), as the original draws them
        }, sampleInput: validationInputs);

        // GPA.pc.set_n_epochs_to_switch(PATIENCE); set_max_dendrites(MAXD); set_max_dendrite_tries(2)
        var scheduler = new GrowthScheduler(handle, GrowthOptions.PerforatedAICompatible with
        {
            Patience = Patience,
            MaxDendrites = MaxDendrites,
            MaxRetries = MaxDendriteTries,
        });

        // GPA.pai_tracker.set_optimizer(torch.optim.Adam); set_scheduler(StepLR);
        // opt, sch = GPA.pai_tracker.setup_optimizer(m, {"params": m.parameters(), "lr": 0.003}, {"step_size": 1, "gamma": 1.0})
        // StepLR with gamma 1.0 never changes the rate, so there is no LR scheduler to port.
        var optimizer = optim.Adam(handle.TrainableParameters(), lr: LearningRate);
        try
        {
            var best = (Validation: -1.0, Test: 0.0);
            var epochs = 0;
            var completed = false;
            while (epochs < MaxEpochs && !completed)
            {
                TrainOneEpoch(model, optimizer, seed, epochs);
                epochs++;
                var validation = Accuracy(model, validationInputs, validationTargets);
                if (validation > best.Validation)
                {
                    best = (validation, Accuracy(model, testInputs, testTargets));
                }

                // m, restructured, complete = GPA.pai_tracker.add_validation_score(v, m): the score in the script's
                // unit (percent), which only the original's raw threshold (1e-5) reads.
                var decision = scheduler.Step(validation, learningRate: LearningRate);
                if (decision.Action != GrowthAction.NoChange)
                {
                    log($"  epoch {epochs}: {decision.Action} ({decision.Reason}), {decision.DendriteCount} set(s)");
                }

                // if restructured: opt, sch = GPA.pai_tracker.setup_optimizer(...): the old optimizer holds parameters
                // that a growth or a revert replaced, so a new one is built from the handle's current list.
                if (decision.RebuildOptimizer)
                {
                    optimizer.Dispose();
                    optimizer = optim.Adam(decision.TrainableParameters, lr: LearningRate);
                }

                completed = decision.IsCompleted;   // complete: the best model is already in place
            }

            // MAX_EPOCHS came first: put the best model back (perforatedai would leave the last epoch's in place;
            // the reported figure, the test accuracy at the best validation epoch, is the same either way).
            scheduler.Finish();
            var finalModelTest = Accuracy(model, testInputs, testTargets);

            // Not in perforatedai: the same weights without the dendrites (the A/B switch).
            double dendritesOffTest;
            using (handle.Disable())
            {
                dendritesOffTest = Accuracy(model, testInputs, testTargets);
            }

            // UPA.count_params(m) and GPA.pai_tracker.member_vars["num_dendrites_added"]
            return new PaiArmResult(handle.Report().TotalParameters, epochs, best.Test, finalModelTest, completed,
                handle.DendriteCount, dendritesOffTest, SaveAndReload(handle));
        }
        finally
        {
            optimizer.Dispose();
        }
    }

    /// <summary>
    /// UPA.load_system's counterpart: saves the grown model to a temporary file, loads it onto a fresh plain MLP and
    /// returns that copy's test accuracy, which must equal the saved model's.
    /// </summary>
    private double SaveAndReload(DendriticModel handle)
    {
        var path = Path.Combine(Path.GetTempPath(), $"from-perforatedai-{Environment.ProcessId}.dndt");
        try
        {
            DendriteCheckpoint.Save(handle, path);
            using var fresh = Mlp(NarrowWidth);   // the plain architecture: Load adds the dendrite sets the file has
            DendriteCheckpoint.Load(fresh, path, sampleInput: validationInputs);
            return Accuracy(fresh, testInputs, testTargets);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Tensor Flatten(Tensor images) => images.reshape(images.shape[0], -1);
}
