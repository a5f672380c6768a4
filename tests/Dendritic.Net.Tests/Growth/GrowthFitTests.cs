using System;
using System.Collections.Generic;
using System.Linq;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

[TestFixture]
public sealed class GrowthFitTests
{
    private sealed class Recorder : IProgress<GrowthProgress>
    {
        public List<GrowthProgress> Reports { get; } = new();

        public void Report(GrowthProgress value) => Reports.Add(value);
    }

    [Test]
    public void Fit_DiskTask_TrainsGrowsAndReportsEveryEpoch()
    {
        var threads = get_num_threads();
        set_num_threads(1);
        try
        {
            FitDiskTask();
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    private static void FitDiskTask()
    {
        manual_seed(3);
        DiskExperiment.HiddenLayer = false;
        var (x, y) = DiskExperiment.Data(256);
        var (model, handle) = DiskExperiment.Model();
        DiskExperiment.HiddenLayer = true;
        var loss = nn.BCEWithLogitsLoss();
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options with
        {
            Mode = ScoreMode.Minimize,
            Patience = 3,
            RelativeThreshold = 0.005,
            OptimizerFactory = d => optim.Adam(d.TrainableParameters, d.LearningRate ?? 0.05),
        });
        var recorder = new Recorder();

        var result = scheduler.Fit(
            60,
            (_, optimizer) =>
            {
                for (var step = 0; step < 20; step++)
                {
                    using var scope = NewDisposeScope();
                    optimizer.zero_grad();
                    loss.call(model.call(x), y).backward();
                    optimizer.step();
                }
            },
            _ =>
            {
                using var noGrad = no_grad();
                return loss.call(model.call(x), y).item<float>();
            },
            recorder);

        recorder.Reports.Should().HaveCount(result.Epochs);
        recorder.Reports.Select(r => r.Epoch).Should().Equal(Enumerable.Range(1, result.Epochs));
        scheduler.History.Entries.Should().HaveCount(result.Epochs);
        scheduler.History.Entries.Should().OnlyContain(e => e.LearningRate == 0.05 && e.EpochSeconds > 0);
        result.DendriteCount.Should().BeGreaterThan(0);
        result.BestScore.Should().BeLessThan(scheduler.History.Entries[0].Score);
    }

    [Test]
    public void Fit_CalledAgain_ContinuesTheEpochNumbering()
    {
        var scheduler = new GrowthScheduler(Dendrites.Adopt(new DendriteLayer(nn.Linear(2, 1))), new GrowthOptions
        {
            OptimizerFactory = d => optim.SGD(d.TrainableParameters, 0.1),
        });
        var trained = new List<int>();
        var validated = new List<int>();
        var recorder = new Recorder();

        var first = scheduler.Fit(3, (epoch, _) => trained.Add(epoch), epoch => { validated.Add(epoch); return 1; }, recorder);
        var second = scheduler.Fit(2, (epoch, _) => trained.Add(epoch), epoch => { validated.Add(epoch); return 1; }, recorder);

        trained.Should().Equal([1, 2, 3, 4, 5], "\"call Fit again to go on\": epoch-based shuffles and schedules must not repeat");
        validated.Should().Equal([1, 2, 3, 4, 5]);
        recorder.Reports.Select(r => (r.Epoch, r.Epochs)).Should().Equal([(1, 3), (2, 3), (3, 3), (4, 5), (5, 5)]);
        recorder.Reports.Select(r => r.Decision.Validation).Should().Equal([1, 2, 3, 4, 5], "epoch n is validation n when Fit makes every Step");
        (first.Epochs, second.Epochs).Should().Be((3, 2), "the result counts the epochs of its own call");
    }

    [Test]
    public void Fit_AfterStepsOfYourOwn_StartsAtTheNextValidation()
    {
        var scheduler = new GrowthScheduler(Dendrites.Adopt(new DendriteLayer(nn.Linear(2, 1))), new GrowthOptions
        {
            OptimizerFactory = d => optim.SGD(d.TrainableParameters, 0.1),
        });
        scheduler.Step(1);
        scheduler.Step(1);
        var trained = new List<int>();

        scheduler.Fit(2, (epoch, _) => trained.Add(epoch), _ => 1);

        trained.Should().Equal([3, 4]);
    }

    [Test]
    public void Fit_WithoutOptimizerFactory_Throws()
    {
        var scheduler = new GrowthScheduler(Dendrites.Adopt(new DendriteLayer(nn.Linear(2, 1))));

        var act = () => scheduler.Fit(1, (_, _) => { }, _ => 0);

        act.Should().Throw<InvalidOperationException>().WithMessage("*OptimizerFactory*");
    }
}
