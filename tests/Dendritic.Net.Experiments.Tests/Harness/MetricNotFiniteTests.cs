using System;
using Dendritic.Experiments.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Harness;

[TestFixture]
public sealed class MetricNotFiniteTests
{
    private static ExperimentOptions Options(MetricFunction metric) => new()
    {
        Seeds = new[] { 5 },
        Width = 4,
        Arms = new[] { ArmKind.Baseline },
        Recipe = new TrainingRecipe { Epochs = 2, BatchSize = 32, LearningRate = 0.01 },
        LatencyRepeats = 1,
        LatencyBatchSize = 8,
        Metric = metric,
        MetricName = "ratio",
    };

    [Test]
    public void Run_MetricNaNOnValidation_ThrowsNamingArmSeedEpochAndSplit()
    {
        // Before: every epoch lost the best-epoch comparison, and the run failed only when summarising, with no name.
        var runner = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), new FixedEpochGrowth(new FixedEpochGrowthOptions { GrowAfterEpochs = Array.Empty<int>(), MaxEpochs = 2 }), Options((_, _) => double.NaN));

        var act = () => runner.Run();

        act.Should().Throw<InvalidOperationException>().WithMessage("Arm Baseline, seed 5, epoch 1: the metric 'ratio' on the validation split is NaN*");
    }

    [Test]
    public void Run_MetricInfiniteOnTestOnly_ThrowsNamingTheTestSplit()
    {
        var data = Synthetic.Data(validation: 60, test: 30);
        var runner = new ExperimentRunner(Synthetic.Factory, data, new FixedEpochGrowth(new FixedEpochGrowthOptions { GrowAfterEpochs = Array.Empty<int>(), MaxEpochs = 2 }), Options((_, targets) => targets.shape[0] == 30 ? double.PositiveInfinity : 0.5));

        var act = () => runner.Run();

        act.Should().Throw<InvalidOperationException>().WithMessage("Arm Baseline, seed 5, epoch 1: the metric 'ratio' on the test split is Infinity*");
    }
}
