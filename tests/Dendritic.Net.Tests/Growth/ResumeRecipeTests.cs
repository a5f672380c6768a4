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
/// write them: a run with Adam (whose moments are state, saved inside the checkpoint), a StepLR schedule (rebuilt
/// after every growth and on resume) and noisy batches (drawn from the random generator) is stopped between two growth
/// steps, resumed in a fresh model, and makes the same decisions, score for score and rate for rate, as the run that
/// never stopped.
/// </summary>
[TestFixture]
public sealed class ResumeRecipeTests : TempFolderTest
{
    private const int Epochs = 30;

    // A decay every third epoch, so that a resume or a growth often falls on an epoch whose constructor step decays.
    private const int StepSize = 3;

    private const double Gamma = 0.8;

    private const double Rate = 0.01;

    private static GrowthOptions Options { get; } = ClassicRules.Options with { Mode = ScoreMode.Minimize, Patience = 1, RelativeThreshold = 0.03, Cooldown = 1, MaxDendrites = 6, MaxRetries = 3 };

    [Test]
    public void StepLoop_SavedBetweenGrowthsAndResumedAsDocumented_MakesTheSameDecisions()
    {
        var straight = Run(stopAfter: null, out var straightCsv);
        var stop = DecayEpochAfterTheFirstGrowth(straight);

        var resumed = Run(stopAfter: stop, out var resumedCsv);

        straight.Skip(stop + 1).Should().Contain(d => d.Contains(":DendritesAdded:", StringComparison.Ordinal), "a growth after the resume draws fresh dendrites from the restored generator");
        resumed.Should().Equal(straight);
        resumedCsv.Should().Be(straightCsv);
    }

    [Test]
    public void StepLoop_RebuiltAfterEveryGrowthAsDocumented_KeepsTheStepLRScheduleOfARunThatNeverRebuilt()
    {
        var decisions = Run(stopAfter: null, out _);

        decisions.Count(d => d.Contains(":DendritesAdded:", StringComparison.Ordinal)).Should().BeGreaterThan(1);
        for (var epoch = 0; epoch < decisions.Count; epoch++)
        {
            // StepLR's schedule: the rate of epoch e (0-based, after its step) is lr · γ^⌊(e + 1) / step_size⌋.
            var rate = double.Parse(decisions[epoch].Split(':')[^1], CultureInfo.InvariantCulture);
            rate.Should().BeApproximately(Rate * Math.Pow(Gamma, (epoch + 1) / StepSize), 1e-12, $"epoch {epoch} ({decisions[epoch]})");
        }
    }

    [Test]
    public void StepLoop_StepLRBuiltAfterTheStateIsLoaded_DecaysTheRateTwice()
    {
        // The pitfall the docs warn about: StepLR's constructor steps once itself, so built after the state at an
        // epoch that decays, it decays the loaded rate, which the saved run had decayed already.
        var straight = Run(stopAfter: null, out _);
        var stop = DecayEpochAfterTheFirstGrowth(straight);

        var wrong = Run(stopAfter: stop, out _, lrSchedulerAfterTheState: true);

        var expected = double.Parse(straight[stop + 1].Split(':')[^1], CultureInfo.InvariantCulture);
        var actual = double.Parse(wrong[stop + 1].Split(':')[^1], CultureInfo.InvariantCulture);
        actual.Should().BeApproximately(expected * Gamma, 1e-12, "the rate was decayed a second time at the resume");
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
    public void Fit_AfterResumeWithoutOptions_TrainsWithTheFactoryItIsGiven()
    {
        // The factory is Fit's parameter, not an option: a scheduler resumed with the recorded options alone can Fit.
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, new GrowthOptions());
        scheduler.Step(1);
        var path = Temp.File("fit.dndt");
        scheduler.SaveCheckpoint(path);
        var resumed = GrowthScheduler.Resume(DendriteCheckpoint.Load(TestModels.TanhMlp(), path));
        var trainedWith = new List<torch.optim.Optimizer>();

        var result = resumed.Fit(1, d => torch.optim.Adam(d.TrainableParameters, 1e-3), (_, o) => trainedWith.Add(o), _ => 1);

        result.Epochs.Should().Be(1);
        trainedWith.Should().ContainSingle().Which.Should().BeSameAs(resumed.Optimizer);
        resumed.History.Entries.Should().HaveCount(2, "the saved validation and the new one");
    }

    private List<string> Run(int? stopAfter, out string csv, bool lrSchedulerAfterTheState = false)
    {
        torch.manual_seed(7);
        using var x = torch.randn(64, 3);
        using var y = torch.randn(64, 2);
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, Options);
        var optimizer = torch.optim.Adam(handle.TrainableParameters(), Rate);
        var lrScheduler = torch.optim.lr_scheduler.StepLR(optimizer, StepSize, Gamma);
        var path = Temp.File("grow.dndt");
        var decisions = new List<string>();
        for (var epoch = 0; epoch < Epochs && !scheduler.IsCompleted; epoch++)
        {
            var loss = TrainNoisy(model, optimizer, x, y);
            lrScheduler.step();
            var lr = optimizer.ParamGroups.First().LearningRate;
            var decision = scheduler.Step(loss, lr);
            if (decision.RebuildOptimizer)
            {
                // The docs' rebuild: the new optimizer, then its LR scheduler (whose constructor steps once), then the rate.
                optimizer.Dispose();
                optimizer = torch.optim.Adam(decision.TrainableParameters, decision.LearningRate ?? lr);
                lrScheduler = torch.optim.lr_scheduler.StepLR(optimizer, StepSize, Gamma, last_epoch: epoch);
                SetLearningRate(optimizer, decision.LearningRate ?? lr);
            }

            decisions.Add(string.Create(CultureInfo.InvariantCulture, $"{decision.Validation}:{decision.Action}:{decision.Reason}:{decision.DendriteCount}:{decision.Score:R}:{lr:R}"));
            if (epoch != stopAfter)
            {
                continue;
            }

            // The docs' save, as written there.
            using (var rng = torch.get_rng_state())
            {
                scheduler.SaveCheckpoint(path, new Dictionary<string, string>
                {
                    ["epoch"] = (epoch + 1).ToString(CultureInfo.InvariantCulture),
                    ["rng"] = Convert.ToBase64String(rng.data<byte>().ToArray()),
                }, optimizer);
            }

            // Everything of the running process is dropped; the random generator moves on, as in another process.
            optimizer.Dispose();
            torch.randn(1000).Dispose();
            (model, scheduler, optimizer, lrScheduler) = lrSchedulerAfterTheState ? ResumeBuildingTheLRSchedulerLast(path) : ResumeAsDocumented(path);
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
        var scheduler = new GrowthScheduler(Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 }), Options);
        var path = Temp.File("fit.dndt");
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
                    }, scheduler.Optimizer);
                }
            }
        });

        scheduler.Fit(stopAfter ?? Epochs, d => torch.optim.Adam(d.TrainableParameters, d.LearningRate ?? 0.01), (_, optimizer) => TrainNoisy(model, optimizer, x, y), _ => Validate(model, x, y), progress);
        if (stopAfter is { } stop)
        {
            torch.randn(1000).Dispose();

            // The docs' resume of Fit, as written there.
            model = TestModels.TanhMlp();
            var loaded = DendriteCheckpoint.Load(model, path);
            scheduler = GrowthScheduler.Resume(loaded);
            using (var rng = torch.tensor(Convert.FromBase64String(loaded.Manifest.Extras["rng"])))
            {
                torch.set_rng_state(rng);
            }

            scheduler.Fit(Epochs - stop, d => torch.optim.Adam(d.TrainableParameters, d.LearningRate ?? 1e-3), (_, optimizer) => TrainNoisy(model, optimizer, x, y), _ => Validate(model, x, y), progress); // its first optimizer goes on from the saved one
        }

        csv = scheduler.History.ToCsv();
        return decisions;
    }

    /// <summary>The docs' resume, as written there (the fresh model being the docs' <c>BuildMyModel()</c>).</summary>
    private static (Sequential Model, GrowthScheduler Scheduler, Adam Optimizer, torch.optim.lr_scheduler.LRScheduler LRScheduler) ResumeAsDocumented(string path)
    {
        var model = TestModels.TanhMlp();
        var loaded = DendriteCheckpoint.Load(model, path);
        var scheduler = GrowthScheduler.Resume(loaded);
        var optimizer = torch.optim.Adam(loaded.Handle.TrainableParameters(), 1e-3);
        var epochs = int.Parse(loaded.Manifest.Extras["epoch"], CultureInfo.InvariantCulture);
        var lrScheduler = torch.optim.lr_scheduler.StepLR(optimizer, StepSize, Gamma, last_epoch: epochs - 1);
        DendriteCheckpoint.LoadOptimizerState(loaded, optimizer);
        using (var rng = torch.tensor(Convert.FromBase64String(loaded.Manifest.Extras["rng"])))
        {
            torch.set_rng_state(rng);
        }

        return (model, scheduler, optimizer, lrScheduler);
    }

    /// <summary>The docs' resume with the LR scheduler built after the state is loaded: the order the docs warn against.</summary>
    private static (Sequential Model, GrowthScheduler Scheduler, Adam Optimizer, torch.optim.lr_scheduler.LRScheduler LRScheduler) ResumeBuildingTheLRSchedulerLast(string path)
    {
        var model = TestModels.TanhMlp();
        var loaded = DendriteCheckpoint.Load(model, path);
        var scheduler = GrowthScheduler.Resume(loaded);
        var optimizer = torch.optim.Adam(loaded.Handle.TrainableParameters(), 1e-3);
        var epochs = int.Parse(loaded.Manifest.Extras["epoch"], CultureInfo.InvariantCulture);
        DendriteCheckpoint.LoadOptimizerState(loaded, optimizer);
        var lrScheduler = torch.optim.lr_scheduler.StepLR(optimizer, StepSize, Gamma, last_epoch: epochs - 1);
        using (var rng = torch.tensor(Convert.FromBase64String(loaded.Manifest.Extras["rng"])))
        {
            torch.set_rng_state(rng);
        }

        return (model, scheduler, optimizer, lrScheduler);
    }

    /// <summary>
    /// The first epoch after the first growth (at least two later, so that the resume falls between growth steps) whose
    /// rate decays (a multiple of the step size), which is where an LR scheduler built in the wrong order decays twice.
    /// </summary>
    private static int DecayEpochAfterTheFirstGrowth(List<string> decisions)
    {
        var grewAt = decisions.FindIndex(d => d.Contains(":DendritesAdded:", StringComparison.Ordinal));
        grewAt.Should().BeInRange(0, Epochs - 8, "the run must grow before the stop");
        var stop = grewAt + 2;
        while ((stop + 1) % StepSize != 0)
        {
            stop++;
        }

        return stop;
    }

    private static void SetLearningRate(torch.optim.Optimizer optimizer, double rate)
    {
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = rate;
        }
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
