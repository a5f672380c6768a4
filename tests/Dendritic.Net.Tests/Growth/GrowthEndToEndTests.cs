using System;
using System.Diagnostics;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Growth;

[TestFixture]
[Category(TestCategories.Slow)]
public sealed class GrowthEndToEndTests
{
    private const int Epochs = 150;

    private static GrowthOptions Growth(DendriteTrainingMode mode, int poolSize = 1) => new()
    {
        Mode = ScoreMode.Minimize,
        Patience = 5,
        RelativeThreshold = 0.005,
        MaxDendrites = 6,
        Training = mode,
        CascadeCorrelation = new CascadeCorrelationOptions { LearningRate = 0.05, Patience = 5, MaxEpochs = 100, PoolSize = poolSize },
    };

    private static GrowthOptions Baseline => new() { Mode = ScoreMode.Minimize, Trigger = GrowthTrigger.Never, Patience = Epochs };

    private int _threads;

    [SetUp]
    public void SingleThread()
    {
        // Tiny tensors: threads only add contention on a shared machine.
        _threads = TorchSharp.torch.get_num_threads();
        TorchSharp.torch.set_num_threads(1);
        DiskExperiment.HiddenLayer = false;
    }

    [TearDown]
    public void Reset()
    {
        DiskExperiment.HiddenLayer = true;
        TorchSharp.torch.set_num_threads(_threads);
    }

    /// <summary>
    /// A linear host cannot separate a disk from its surroundings (about 50 % accuracy); grown dendrites can. Gradient
    /// descent wins by a wide margin on every seed (0.96-0.98 against 0.43-0.55 on seeds 1-5, see
    /// docs/growth-scheduler.md), so each seed is checked alone.
    /// </summary>
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Scheduler_GradientDescentOnTaskTheHostCannotFit_GrowsAndBeatsTheBaseline(int seed)
    {
        var grown = DiskExperiment.Run(seed, Growth(DendriteTrainingMode.GradientDescent), Epochs);
        var baseline = DiskExperiment.Run(seed, Baseline, Epochs);

        grown.Dendrites.Should().BeGreaterThan(0);
        grown.Scheduler.History.Entries.Should().Contain(e => e.Action == GrowthAction.DendritesAdded);
        grown.Accuracy.Should().BeGreaterThan(baseline.Accuracy + 0.3, $"grown {grown.Accuracy:F3} vs baseline {baseline.Accuracy:F3}");
        grown.Loss.Should().BeLessThan(baseline.Loss - 0.3, $"grown {grown.Loss:F4} vs baseline {baseline.Loss:F4}");
        grown.Epochs.Should().BeLessThanOrEqualTo(baseline.Epochs);
    }

    /// <summary>
    /// Cascade-correlation on the same task gains less and varies more from seed to seed (on seeds 1-3 on an AMD Zen 3
    /// box, 30 November 2026: accuracy +0.22, +0.12, +0.27 and loss -0.18, -0.09, -0.37 against the baseline). A
    /// 150-epoch run is chaotic in the last bits of every product, which differ between CPUs (AVX2 against AVX-512
    /// kernels, thread counts), so one seed alone could land anywhere in that spread on another machine. The test
    /// therefore checks what must hold on any machine: every seed grows dendrites and stops no later than the
    /// baseline, and over the three seeds the grown models beat the baseline on average by a margin (0.10 accuracy,
    /// 0.05 loss) about half of what was measured.
    /// </summary>
    [Test]
    public void Scheduler_CascadeCorrelationOnTaskTheHostCannotFit_GrowsAndBeatsTheBaselineOnAverage()
    {
        var accuracyGains = new double[3];
        var lossGains = new double[3];
        for (var seed = 1; seed <= 3; seed++)
        {
            var grown = DiskExperiment.Run(seed, Growth(DendriteTrainingMode.CascadeCorrelation), Epochs);
            var baseline = DiskExperiment.Run(seed, Baseline, Epochs);

            grown.Dendrites.Should().BeGreaterThan(0, $"seed {seed} should grow");
            grown.Scheduler.History.Entries.Should().Contain(e => e.Action == GrowthAction.DendritesAdded);
            grown.Epochs.Should().BeLessThanOrEqualTo(baseline.Epochs);
            accuracyGains[seed - 1] = grown.Accuracy - baseline.Accuracy;
            lossGains[seed - 1] = baseline.Loss - grown.Loss;
        }

        var gains = $"accuracy gains {string.Join(", ", accuracyGains.Select(g => g.ToString("F3")))}; loss gains {string.Join(", ", lossGains.Select(g => g.ToString("F4")))}";
        accuracyGains.Average().Should().BeGreaterThan(0.10, gains);
        lossGains.Average().Should().BeGreaterThan(0.05, gains);
    }

    [Explicit("Tuning aid: prints several seeds.")]
    [TestCase(DendriteTrainingMode.GradientDescent, true)]
    [TestCase(DendriteTrainingMode.CascadeCorrelation, true)]
    [TestCase(DendriteTrainingMode.GradientDescent, false)]
    [TestCase(DendriteTrainingMode.CascadeCorrelation, false)]
    public void Explore(DendriteTrainingMode mode, bool hidden)
    {
        DiskExperiment.HiddenLayer = hidden;
        TorchSharp.torch.set_num_threads(1);
        for (var seed = 1; seed <= 5; seed++)
        {
            var watch = Stopwatch.StartNew();
            var grown = DiskExperiment.Run(seed, Growth(mode), Epochs);
            var grownTime = watch.Elapsed;
            var baseline = DiskExperiment.Run(seed, Baseline, Epochs);
            TestContext.Out.WriteLine($"seed {seed}: grown acc {grown.Accuracy:F3} loss {grown.Loss:F4} d={grown.Dendrites} epochs {grown.Epochs} ({grownTime.TotalSeconds:F1}s) | baseline acc {baseline.Accuracy:F3} loss {baseline.Loss:F4} epochs {baseline.Epochs}");
            TestContext.Out.WriteLine(string.Join(" ", grown.Scheduler.History.Entries.Select(e => $"{e.Reason}")));
            grown.Scheduler.History.WriteSvg(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"growth-{mode}-{hidden}-{seed}.svg"), $"Disk task, {mode}, seed {seed}");
        }
    }

    [Explicit("Measurement for docs/growth-scheduler.md: a single candidate against a pool of four.")]
    [TestCase(false)]
    [TestCase(true)]
    public void ExplorePool(bool hidden)
    {
        DiskExperiment.HiddenLayer = hidden;
        for (var seed = 1; seed <= 5; seed++)
        {
            foreach (var pool in new[] { 1, 4 })
            {
                var watch = Stopwatch.StartNew();
                var grown = DiskExperiment.Run(seed, Growth(DendriteTrainingMode.CascadeCorrelation, pool), Epochs);
                var s = string.Join(" ", grown.Scheduler.History.Entries.Count(e => e.Action == GrowthAction.DendritesAdded));
                TestContext.Out.WriteLine($"hidden {hidden} seed {seed} pool {pool}: acc {grown.Accuracy:F3} loss {grown.Loss:F4} d={grown.Dendrites} growths {s} epochs {grown.Epochs} ({watch.Elapsed.TotalSeconds:F1}s)");
            }
        }
    }

    [Explicit("Tuning aid: cascade-correlation trace.")]
    [TestCase(2)]
    public void TraceCascadeCorrelation(int seed)
    {
        DiskExperiment.HiddenLayer = false;
        var logger = new RecordingLogger();
        var grown = DiskExperiment.Run(seed, Growth(DendriteTrainingMode.CascadeCorrelation), Epochs, logger: logger);
        TestContext.Out.WriteLine($"acc {grown.Accuracy:F3}");
        foreach (var entry in logger.Entries)
        {
            TestContext.Out.WriteLine($"{entry.EventId} {entry.Message}");
        }
    }
}
