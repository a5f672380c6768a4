using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Dendritic.Testing;

namespace Dendritic.Tests.Growth;

/// <summary>
/// The save/resume recipe of docs/growth-scheduler.md ("Checkpoints and resume"), its steps kept here as the docs
/// write them: a run with Adam (whose moments are state) and noisy batches (drawn from the random generator) is
/// stopped between two growth steps, resumed in a fresh model, and makes the same decisions, score for score, as the
/// run that never stopped.
/// </summary>
[TestFixture]
public sealed class ResumeRecipeTests
{
    private const int Epochs = 30;

    private TempFolder _temp = null!;

    private static GrowthOptions Options { get; } = ClassicRules.Options with { Mode = ScoreMode.Minimize, Patience = 1, RelativeThreshold = 0.03, Cooldown = 1, MaxDendrites = 6, MaxRetries = 3 };

    [SetUp]
    public void SetUp() => _temp = new TempFolder();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void StepLoop_SavedBetweenGrowthsAndResumedAsDocumented_MakesTheSameDecisions()
    {
        var straight = Run(stopAfter: null, out var straightCsv);
        var grewAt = straight.FindIndex(d => d.Contains(":DendritesAdded:", StringComparison.Ordinal));
        var stop = grewAt + 2;

        var resumed = Run(stopAfter: stop, out var resumedCsv);

        grewAt.Should().BeInRange(0, Epochs - 4, "the run must grow before the stop");
        straight.Skip(stop + 1).Should().Contain(d => d.Contains(":DendritesAdded:", StringComparison.Ordinal), "a growth after the resume draws fresh dendrites from the restored generator");
        resumed.Should().Equal(straight);
        resumedCsv.Should().Be(straightCsv);
    }

    [Test]
    public void Fit_SavedFromTheProgressHandlerAndResumedAsDocumented_MakesTheSameDecisions()
    {
        var straight = RunFit(stopAfter: null, out var straightCsv);
        var grewAt = straight.FindIndex(d => d.Contains(":DendritesAdded:", StringComparison.Ordinal));
        var stop = grewAt + 3;

        var resumed = RunFit(stopAfter: stop, out var resumedCsv);

        grewAt.Should().BeInRange(0, Epochs - 4, "the run must grow before the stop");
        straight.Skip(stop).Should().Contain(d => d.Contains(":DendritesAdded:", StringComparison.Ordinal), "a growth after the resume draws fresh dendrites from the restored generator");
        resumed.Should().Equal(straight, "the second Fit numbers its epochs on from the saved run's, and its first optimizer goes on from the saved one");
        WithoutEpochTimes(resumedCsv).Should().Equal(WithoutEpochTimes(straightCsv));
    }

    [Test]
    public void Fit_AfterResumeWithoutTheFactory_SaysThatResumeKeepsNoDelegatesAndHowToPassThem()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { OptimizerFactory = d => torch.optim.Adam(d.TrainableParameters, 1e-3) });
        scheduler.Step(1);
        var path = _temp.File("fit.dndt");
        scheduler.SaveCheckpoint(path);
        var resumed = GrowthScheduler.Resume(DendriteCheckpoint.Load(TestModels.TanhMlp(), path), path);

        var act = () => resumed.Fit(1, (_, _) => { }, _ => 1);

        act.Should().Throw<InvalidOperationException>()
            .WithMessage("Fit needs GrowthOptions.OptimizerFactory*comes from GrowthScheduler.Resume*checkpoints do not save delegates*GrowthScheduler.Resume(loaded, path, GrowthSchedulerState.FromCheckpoint(loaded)!.Options! with { OptimizerFactory = d => ... })*");
    }

    private List<string> Run(int? stopAfter, out string csv)
    {
        torch.manual_seed(7);
        using var x = torch.randn(64, 3);
        using var y = torch.randn(64, 2);
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, Options);
        var lr = 0.01;
        var optimizer = torch.optim.Adam(handle.TrainableParameters(), lr);
        var path = _temp.File("grow.dndt");
        var decisions = new List<string>();
        for (var epoch = 0; epoch < Epochs && !scheduler.IsCompleted; epoch++)
        {
            var loss = TrainNoisy(model, optimizer, x, y);
            var decision = scheduler.Step(loss, lr);
            if (decision.RebuildOptimizer)
            {
                optimizer.Dispose();
                lr = decision.LearningRate ?? lr;
                optimizer = torch.optim.Adam(decision.TrainableParameters, lr);
            }

            decisions.Add(string.Create(CultureInfo.InvariantCulture, $"{decision.Validation}:{decision.Action}:{decision.Reason}:{decision.DendriteCount}:{decision.Score:R}"));
            if (epoch != stopAfter)
            {
                continue;
            }

            // The docs' save, as written there.
            using (var rng = torch.get_rng_state())
            {
                scheduler.SaveCheckpoint(path, new Dictionary<string, string>
                {
                    ["rng"] = Convert.ToBase64String(rng.data<byte>().ToArray()),
                });
            }

            optimizer.save_state_dict(path + ".opt.tmp");
            File.Move(path + ".opt.tmp", path + ".opt", overwrite: true);

            // Everything of the running process is dropped; the random generator moves on, as in another process.
            optimizer.Dispose();
            torch.randn(1000).Dispose();
            (model, scheduler, optimizer, lr) = ResumeAsDocumented(path);
        }

        csv = scheduler.History.ToCsv();
        return decisions;
    }

    private List<string> RunFit(int? stopAfter, out string csv)
    {
        torch.manual_seed(7);
        using var x = torch.randn(64, 3);
        using var y = torch.randn(64, 2);
        var model = TestModels.TanhMlp();
        var scheduler = new GrowthScheduler(Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 }), Options with
        {
            OptimizerFactory = d => torch.optim.Adam(d.TrainableParameters, d.LearningRate ?? 0.01),
        });
        var path = _temp.File("fit.dndt");
        var decisions = new List<string>();
        var progress = new Handler(p =>
        {
            decisions.Add(string.Create(CultureInfo.InvariantCulture, $"{p.Epoch}:{p.Decision.Action}:{p.Decision.Reason}:{p.Decision.DendriteCount}:{p.Decision.Score:R}"));
            if (p.Epoch == stopAfter)
            {
                // The docs' save, from the progress handler.
                using (var rng = torch.get_rng_state())
                {
                    scheduler.SaveCheckpoint(path, new Dictionary<string, string>
                    {
                        ["rng"] = Convert.ToBase64String(rng.data<byte>().ToArray()),
                    });
                }

                ((OptimizerHelper)scheduler.Optimizer!).save_state_dict(path + ".opt.tmp");
                File.Move(path + ".opt.tmp", path + ".opt", overwrite: true);
            }
        });

        scheduler.Fit(stopAfter ?? Epochs, (_, optimizer) => TrainNoisy(model, optimizer, x, y), _ => Validate(model, x, y), progress);
        if (stopAfter is { } stop)
        {
            torch.randn(1000).Dispose();

            // The docs' resume of Fit, as written there.
            model = TestModels.TanhMlp();
            var loaded = DendriteCheckpoint.Load(model, path);
            var state = GrowthSchedulerState.FromCheckpoint(loaded)!;
            scheduler = GrowthScheduler.Resume(loaded, path, state.Options! with
            {
                OptimizerFactory = d =>
                {
                    var adam = torch.optim.Adam(d.TrainableParameters, d.LearningRate ?? 1e-3);
                    if (d.Action == GrowthAction.NoChange && File.Exists(path + ".opt"))
                    {
                        adam.load_state_dict(path + ".opt");
                    }

                    return adam;
                },
            });
            using (var rng = torch.tensor(Convert.FromBase64String(loaded.Manifest.Extras["rng"])))
            {
                torch.set_rng_state(rng);
            }

            scheduler.Fit(Epochs - stop, (_, optimizer) => TrainNoisy(model, optimizer, x, y), _ => Validate(model, x, y), progress);
        }

        csv = scheduler.History.ToCsv();
        return decisions;
    }

    /// <summary>The docs' resume, as written there (the fresh model being the docs' <c>BuildMyModel()</c>).</summary>
    private static (Sequential Model, GrowthScheduler Scheduler, Adam Optimizer, double LearningRate) ResumeAsDocumented(string path)
    {
        var model = TestModels.TanhMlp();
        var loaded = DendriteCheckpoint.Load(model, path);
        var scheduler = GrowthScheduler.Resume(loaded, path);
        var optimizer = torch.optim.Adam(loaded.Handle.TrainableParameters(), 1e-3);
        optimizer.load_state_dict(path + ".opt");
        var lr = optimizer.ParamGroups.First().LearningRate;
        using (var rng = torch.tensor(Convert.FromBase64String(loaded.Manifest.Extras["rng"])))
        {
            torch.set_rng_state(rng);
        }

        return (model, scheduler, optimizer, lr);
    }

    // Fit measures each epoch's wall time for the history: the one column two runs cannot share.
    private static IEnumerable<string> WithoutEpochTimes(string csv)
    {
        var lines = csv.Split('\n');
        var column = Array.IndexOf(lines[0].Split(','), "epoch_seconds");
        return lines.Select(l => string.Join(',', l.Split(',').Where((_, i) => i != column)));
    }

    private static double Validate(nn.Module<torch.Tensor, torch.Tensor> model, torch.Tensor x, torch.Tensor y)
    {
        using (torch.no_grad())
        {
            return nn.functional.mse_loss(model.call(x), y).item<float>();
        }
    }

    /// <summary>Five Adam steps on noisy copies of the batch (noise from the global generator), then the clean loss.</summary>
    private static double TrainNoisy(nn.Module<torch.Tensor, torch.Tensor> model, torch.optim.Optimizer optimizer, torch.Tensor x, torch.Tensor y)
    {
        for (var step = 0; step < 5; step++)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x + (0.1 * torch.randn_like(x))), y).backward();
            optimizer.step();
        }

        return Validate(model, x, y);
    }

    /// <summary>Reports at once, on the caller's thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class Handler(Action<GrowthProgress> report) : IProgress<GrowthProgress>
    {
        public void Report(GrowthProgress value) => report(value);
    }
}
