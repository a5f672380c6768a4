using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic.Tests.Support;
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
        });
        var recorder = new Recorder();

        var result = scheduler.Fit(
            60,
            d => optim.Adam(d.TrainableParameters, d.LearningRate ?? 0.05),
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
        var scheduler = new GrowthScheduler(Dendrites.Adopt(new DendriteLayer(nn.Linear(2, 1))), new GrowthOptions());
        var trained = new List<int>();
        var validated = new List<int>();
        var recorder = new Recorder();

        var first = scheduler.Fit(3, Sgd, (epoch, _) => trained.Add(epoch), epoch => { validated.Add(epoch); return 1; }, recorder);
        var second = scheduler.Fit(2, Sgd, (epoch, _) => trained.Add(epoch), epoch => { validated.Add(epoch); return 1; }, recorder);

        trained.Should().Equal([1, 2, 3, 4, 5], "\"call Fit again to go on\": epoch-based shuffles and schedules must not repeat");
        validated.Should().Equal([1, 2, 3, 4, 5]);
        recorder.Reports.Select(r => (r.Epoch, r.Epochs)).Should().Equal([(1, 3), (2, 3), (3, 3), (4, 5), (5, 5)]);
        recorder.Reports.Select(r => r.Decision.Validation).Should().Equal([1, 2, 3, 4, 5], "epoch n is validation n when Fit makes every Step");
        (first.Epochs, second.Epochs).Should().Be((3, 2), "the result counts the epochs of its own call");
    }

    [Test]
    public void Fit_AfterStepsOfYourOwn_StartsAtTheNextValidation()
    {
        var scheduler = new GrowthScheduler(Dendrites.Adopt(new DendriteLayer(nn.Linear(2, 1))), new GrowthOptions());
        scheduler.Step(1);
        scheduler.Step(1);
        var trained = new List<int>();

        scheduler.Fit(2, Sgd, (epoch, _) => trained.Add(epoch), _ => 1);

        trained.Should().Equal([3, 4]);
    }

    [Test]
    public void Fit_GrowthStep_BuildsTheNextOptimizerFromTheDecisionAndDisposesTheOld()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { Patience = 1, LearningRateRestartFactor = 10 });
        var built = new List<(GrowthDecision Decision, RecordingSgd Optimizer)>();
        var trainedWith = new List<optim.Optimizer>();
        var scores = new Queue<double>([0.5, 0.8, 0.7]);

        scheduler.Fit(3, d => Record(built, d), (_, o) => trainedWith.Add(o), _ => scores.Dequeue());

        built.Select(b => b.Decision.Action).Should().Equal(GrowthAction.NoChange, GrowthAction.DendritesAdded);
        built[0].Decision.LearningRate.Should().BeNull("the first optimizer is built before any score");
        built[1].Decision.LearningRate.Should().BeApproximately(1.0, 1e-12, "the growth decision carries the restart factor (0.1 x 10)");
        Holds(built[1].Optimizer, built[1].Decision.NewParameters).Should().BeTrue("it holds the new sets");
        built[0].Optimizer.Disposed.Should().BeTrue("Fit replaced it");
        built[1].Optimizer.Disposed.Should().BeFalse();
        scheduler.Optimizer.Should().BeSameAs(built[1].Optimizer);
        trainedWith.Should().OnlyContain(o => ReferenceEquals(o, built[0].Optimizer), "the three epochs ran before the growth's optimizer was needed");
    }

    [Test]
    public void Fit_CalledAgainWithoutAChange_GoesOnWithTheSameOptimizer()
    {
        var scheduler = new GrowthScheduler(Dendrites.Adopt(new DendriteLayer(nn.Linear(2, 1))), new GrowthOptions());
        var built = new List<(GrowthDecision Decision, RecordingSgd Optimizer)>();

        scheduler.Fit(2, d => Record(built, d), (_, _) => { }, _ => 1);
        scheduler.Fit(2, d => Record(built, d), (_, _) => { }, _ => 1);

        built.Should().ContainSingle("its moments belong to the run");
        scheduler.Optimizer.Should().BeSameAs(built[0].Optimizer);
    }

    [Test]
    public void Fit_AfterAGrowthStepOfYourOwn_BuildsAFreshOptimizerOverTheNewSets()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { Patience = 1 });
        var built = new List<(GrowthDecision Decision, RecordingSgd Optimizer)>();
        scheduler.Fit(2, d => Record(built, d), (_, _) => { }, e => e == 1 ? 0.5 : 0.8);

        var grown = scheduler.Step(0.7);
        scheduler.Fit(1, d => Record(built, d), (_, _) => { }, _ => 0.9);

        grown.RebuildOptimizer.Should().BeTrue();
        built.Should().HaveCount(2);
        built[0].Optimizer.Disposed.Should().BeTrue("the growth left it out of date");
        Holds(built[1].Optimizer, grown.NewParameters).Should().BeTrue("it holds the new sets");
    }

    [Test]
    public void Fit_NullOptimizerFactory_ThrowsArgumentNullException()
    {
        var scheduler = new GrowthScheduler(Dendrites.Adopt(new DendriteLayer(nn.Linear(2, 1))));

        var act = () => scheduler.Fit(1, null!, (_, _) => { }, _ => 0);

        act.Should().Throw<ArgumentNullException>().WithParameterName("optimizerFactory");
        scheduler.History.Entries.Should().BeEmpty();
    }

    [Test]
    public void Fit_FactoryReturnsNull_ThrowsNamingTheFactory()
    {
        var scheduler = new GrowthScheduler(Dendrites.Adopt(new DendriteLayer(nn.Linear(2, 1))));

        var act = () => scheduler.Fit(1, _ => null!, (_, _) => { }, _ => 0);

        act.Should().Throw<InvalidOperationException>().WithMessage("*optimizer factory passed to GrowthScheduler.Fit returned null*");
        scheduler.History.Entries.Should().BeEmpty("no epoch ran");
    }

    [TestCase(double.NaN, "NaN")]
    [TestCase(double.NegativeInfinity, "-Infinity")]
    public void Fit_ValidateReturnsNonFinite_ThrowsNamingTheEpochAndCountsNothing(double bad, string shown)
    {
        var scheduler = new GrowthScheduler(Dendrites.Adopt(new DendriteLayer(nn.Linear(2, 1))), new GrowthOptions());

        var act = () => scheduler.Fit(3, Sgd, (_, _) => { }, epoch => epoch == 2 ? bad : 1);

        // Not Step's ArgumentOutOfRangeException for "score", which is no parameter of Fit.
        act.Should().Throw<InvalidOperationException>()
            .WithMessage($"The validate callback passed to GrowthScheduler.Fit returned {shown} after epoch 2; a validation score must be a finite number.*Finish()*");
        scheduler.History.Entries.Should().HaveCount(1, "the bad epoch was not counted");
        scheduler.Fit(1, Sgd, (_, _) => { }, epoch => epoch).Epochs.Should().Be(1, "the run goes on at the same epoch");
        scheduler.History.Entries.Should().HaveCount(2);
    }

    [Test]
    public void Fit_OptimizerLearningRateBecomesNaN_ThrowsNamingTheEpoch()
    {
        var scheduler = new GrowthScheduler(Dendrites.Adopt(new DendriteLayer(nn.Linear(2, 1))), new GrowthOptions());

        var act = () => scheduler.Fit(2, Sgd, (_, optimizer) => optimizer.ParamGroups.First().LearningRate = double.NaN, _ => 1);

        act.Should().Throw<InvalidOperationException>().WithMessage("The optimizer in use in GrowthScheduler.Fit has learning rate NaN after epoch 1*");
        scheduler.History.Entries.Should().BeEmpty();
    }

    private static bool Holds(optim.Optimizer optimizer, IReadOnlyList<TorchSharp.Modules.Parameter> parameters) =>
        parameters.Count > 0 && parameters.All(p => optimizer.parameters().Any(q => ReferenceEquals(p, q)));

    private static optim.Optimizer Sgd(GrowthDecision decision) => optim.SGD(decision.TrainableParameters, 0.1);

    private static RecordingSgd Record(List<(GrowthDecision Decision, RecordingSgd Optimizer)> built, GrowthDecision decision)
    {
        var optimizer = new RecordingSgd(decision.TrainableParameters, decision.LearningRate ?? 0.1);
        built.Add((decision, optimizer));
        return optimizer;
    }

    /// <summary>An SGD that remembers whether it was disposed.</summary>
    private sealed class RecordingSgd(IEnumerable<TorchSharp.Modules.Parameter> parameters, double rate) : TorchSharp.Modules.SGD(parameters, rate)
    {
        public bool Disposed { get; private set; }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
