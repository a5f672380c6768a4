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
    public void Fit_WithoutOptimizerFactory_Throws()
    {
        var scheduler = new GrowthScheduler(Dendrites.Adopt(new DendriteLayer(nn.Linear(2, 1))));

        var act = () => scheduler.Fit(1, (_, _) => { }, _ => 0);

        act.Should().Throw<InvalidOperationException>().WithMessage("*OptimizerFactory*");
    }
}
