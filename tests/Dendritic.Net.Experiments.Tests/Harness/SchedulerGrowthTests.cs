using System;
using System.Linq;
using Dendritic.Experiments.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Harness;

[TestFixture]
public sealed class SchedulerGrowthTests
{
    private static readonly ExperimentOptions Tiny = Synthetic.TinyOptions(3, 4);

    [TestCase(DendriteTrainingMode.GradientDescent)]
    [TestCase(DendriteTrainingMode.CascadeCorrelation)]
    public void Run_WithScheduler_ControlsTrainAsLongAsTheDendriticArmAndMatchItsSize(DendriteTrainingMode training)
    {
        var growth = new SchedulerGrowth(
            new GrowthOptions { Trigger = GrowthTrigger.EveryN, Interval = 2, MaxDendrites = 1, KeepOnlyImprovements = false, Training = training, CascadeCorrelation = new CascadeCorrelationOptions { MaxEpochs = 2 } },
            maxEpochs: 8);

        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), growth, Tiny).Run();

        report.Runs.Should().HaveCount(8);
        foreach (var seed in Tiny.Seeds)
        {
            var dendritic = report.Runs.Single(r => r.Arm == ArmKind.Dendritic && r.Seed == seed);
            dendritic.DendriteCount.Should().Be(1);
            dendritic.Parameters.Should().BeGreaterThan(Synthetic.ParametersAt(4));
            dendritic.Curve.Should().Contain(e => e.Growth != null);
            report.Runs.Single(r => r.Arm == ArmKind.TrainAsLong && r.Seed == seed).Epochs.Should().Be(dendritic.Epochs + dendritic.CandidatePasses, "candidate passes over the training data count in the controls' budget");
            var control = report.Runs.Single(r => r.Arm == ArmKind.CapacityMatched && r.Seed == seed);
            control.Epochs.Should().Be(dendritic.Epochs + dendritic.CandidatePasses);
            (dendritic.CandidatePasses > 0).Should().Be(training == DendriteTrainingMode.CascadeCorrelation);
            Synthetic.ParametersAt(control.Width - 1).Should().BeLessThanOrEqualTo(dendritic.BestEpochParameters);
            Synthetic.ParametersAt(control.Width + 1).Should().BeGreaterThanOrEqualTo(dendritic.BestEpochParameters);
        }

        report.Runs.Should().OnlyContain(r => double.IsFinite(r.TestMetric) && double.IsFinite(r.FlopsPerSample));
        report.Growth.Should().Contain("GrowthScheduler").And.Contain(training.ToString());
    }

    [Test]
    public void Run_WithScheduler_SameSeedTwice_GivesIdenticalNumbers()
    {
        var growth = new SchedulerGrowth(new GrowthOptions { Patience = 1, MaxDendrites = 1 }, maxEpochs: 8);
        var options = Tiny with { Seeds = new[] { 9 } };

        var first = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), growth, options).Run();
        var second = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), growth, options).Run();

        second.Runs.Select(r => (r.Arm, r.Epochs, r.TestMetric, r.Parameters)).Should().Equal(first.Runs.Select(r => (r.Arm, r.Epochs, r.TestMetric, r.Parameters)));
    }

    [Test]
    public void Constructor_MinimizeMode_ThrowsNamingTheFix()
    {
        var act = () => new SchedulerGrowth(new GrowthOptions { Mode = ScoreMode.Minimize });

        act.Should().Throw<InvalidOptionsException>().WithMessage("*Mode = Minimize: must be Maximize*");
    }
    [Test]
    public void Constructor_BadGrowthOptionsAndHarnessRules_ReportsEveryValueAtOnce()
    {
        var options = new GrowthOptions { Patience = -1, Mode = ScoreMode.Minimize, LearningRateRestartFactor = 0.5 };

        var act = () => new SchedulerGrowth(options);

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal("Patience", "Mode", "LearningRateRestartFactor");
        thrown.Message.Should().Contain("recipe's constant learning rate");
    }

    [Test]
    public void Constructor_MaxEpochsBelowTheBaselinesEpochs_ThrowsNamingBoth()
    {
        var growth = new SchedulerGrowth(new GrowthOptions(), maxEpochs: 2);

        var act = () => new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), growth, Tiny);

        act.Should().Throw<ArgumentException>().WithMessage("SchedulerGrowth's maxEpochs (2) is below the baseline's Recipe.Epochs (3)*Give maxEpochs at least 3*");
    }
    [Test]
    public void Run_CapBeforeTheSchedulerCompletes_ReportsTheCutOffInRunsCsvAndSummary()
    {
        // Patience far beyond the cap: the scheduler cannot complete within 3 epochs.
        var growth = new SchedulerGrowth(new GrowthOptions { Patience = 50 }, maxEpochs: 3);

        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), growth, Tiny).Run();

        report.Runs.Where(r => r.Arm == ArmKind.Dendritic).Should().OnlyContain(r => r.GrowthCutOff == true);
        report.Runs.Where(r => r.Arm != ArmKind.Dendritic).Should().OnlyContain(r => r.GrowthCutOff == null);
        ReportWriter.RunsCsv(report).Split('\n')[0].Should().EndWith(",best_epoch_parameters,candidate_passes,growth_cut_off");
        ReportWriter.ToMarkdown(report).Should().Contain("**Note:** the dendritic arm's epoch cap ended its growth before the policy finished on 2 of 2 seeds (3, 4)");
    }

    [Test]
    public void Constructors_WrapOptionsWithALogger_ThrowNamingExperimentOptionsLogger()
    {
        // The harness wraps with ExperimentOptions.Logger: a logger here would have received nothing.
        var wrap = new WrapOptions { Logger = new UsersLogger() };

        var scheduler = () => new SchedulerGrowth(wrap: wrap);
        var fixedEpochs = () => new FixedEpochGrowth(new[] { 1 }, 2, wrap: wrap);

        scheduler.Should().Throw<ArgumentException>().WithParameterName("wrap").WithMessage("WrapOptions.Logger is a *give your logger as ExperimentOptions.Logger*");
        fixedEpochs.Should().Throw<ArgumentException>().WithParameterName("wrap");
    }

    [Test]
    public void Constructors_WrapOptionsWithATypedNullLogger_AreAccepted()
    {
        var wrap = new WrapOptions { Logger = Microsoft.Extensions.Logging.Abstractions.NullLogger<SchedulerGrowthTests>.Instance };

        var act = () => new SchedulerGrowth(wrap: wrap);

        act.Should().NotThrow();
    }

    private sealed class UsersLogger : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}
