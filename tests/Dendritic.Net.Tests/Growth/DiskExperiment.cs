using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// Points of [-1, 1]², class 1 inside the disk of radius 0.8 (about half of them). The host network either is a single
/// Linear layer or has a hidden layer of one neuron: either way its output is a monotone function of one linear
/// projection, so it can only draw one straight boundary (about 62 % accuracy). Dendrites add the missing capacity.
/// </summary>
internal static class DiskExperiment
{
    public sealed record Result(double Accuracy, double Loss, int Dendrites, int Epochs, GrowthScheduler Scheduler);

    public static bool HiddenLayer { get; set; } = true;

    public static DendriteOptions CascadeInit { get; } = new() { Initialization = DendriteInitialization.HostUniform, InitScale = 1.0 };

    /// <summary>The plain network, wrapped by <see cref="Dendrites.Wrap"/> without dendrites yet.</summary>
    public static (nn.Module<Tensor, Tensor> Model, DendriticModel Handle) Model(DendriteOptions? dendrite = null, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        var model = HiddenLayer
            ? nn.Sequential(("hidden", nn.Linear(2, 1)), ("act", nn.Tanh()), ("output", nn.Linear(1, 1)))
            : nn.Sequential(("output", nn.Linear(2, 1)));
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0, Dendrite = dendrite ?? DendriteOptions.Default, Logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance });
        return (model, handle);
    }

    public static (Tensor X, Tensor Y) Data(int count)
    {
        var x = (rand(count, 2) * 2) - 1;
        var y = x.square().sum(1).lt(0.636).to(float32).unsqueeze(1);
        return (x.DetachFromDisposeScope(), y.DetachFromDisposeScope());
    }

    public static Result Run(int seed, GrowthOptions options, int epochs, int stepsPerEpoch = 20, double learningRate = 0.05, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        manual_seed(seed);
        var (x, y) = Data(256);
        var (vx, vy) = Data(256);
        // Cascade-correlation candidates need host-scaled initial weights: with the default N(0, 0.01²) the margins
        // measured with it no longer hold (seed 2: +0.06, seed 3: -0.01 accuracy over the baseline). See
        // docs/growth-scheduler.md, "The two training modes".
        var (model, handle) = Model(options.Training == DendriteTrainingMode.CascadeCorrelation ? CascadeInit : null, logger);
        var loss = nn.BCEWithLogitsLoss();
        var scheduler = new GrowthScheduler(
            handle,
            options with
            {
                // Candidates see the training set in minibatches, as a real data loader would give it.
                CandidateLosses = () => Enumerable.Range(0, 8).Select(b => loss.call(model.call(x[(b * 32)..((b + 1) * 32)]), y[(b * 32)..((b + 1) * 32)])),
            });
        var optimizer = optim.Adam(model.parameters().ToList(), learningRate);
        var used = 0;
        for (var epoch = 0; epoch < epochs && !scheduler.IsCompleted; epoch++)
        {
            used++;
            for (var step = 0; step < stepsPerEpoch; step++)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                loss.call(model.call(x), y).backward();
                optimizer.step();
            }

            var decision = scheduler.Step(Evaluate(model, loss, vx, vy).Loss, learningRate);
            if (decision.RebuildOptimizer)
            {
                optimizer.Dispose();
                optimizer = optim.Adam(decision.TrainableParameters, learningRate);
            }
        }

        var (accuracy, finalLoss) = Evaluate(model, loss, vx, vy);
        optimizer.Dispose();
        return new Result(accuracy, finalLoss, scheduler.DendriteCount, used, scheduler);
    }

    private static (double Accuracy, double Loss) Evaluate(nn.Module<Tensor, Tensor> model, nn.Module<Tensor, Tensor, Tensor> loss, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.call(x);
        var accuracy = logits.gt(0).to(float32).eq(y).to(float32).mean().item<float>();
        return (accuracy, loss.call(logits, y).item<float>());
    }
}
