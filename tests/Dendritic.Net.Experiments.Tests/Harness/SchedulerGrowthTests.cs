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
        var growth = new SchedulerGrowth(new SchedulerGrowthOptions
        {
            Growth = new GrowthOptions { Trigger = GrowthTrigger.EveryN, Interval = 2, MaxDendrites = 1, KeepOnlyImprovements = false, Training = training, CascadeCorrelation = new CascadeCorrelationOptions { MaxEpochs = 2 } },
            MaxEpochs = 8,
        });

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
        var growth = new SchedulerGrowth(new SchedulerGrowthOptions { Growth = new GrowthOptions { Patience = 1, MaxDendrites = 1 }, MaxEpochs = 8 });
        var options = Tiny with { Seeds = new[] { 9 } };

        var first = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), growth, options).Run();
        var second = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), growth, options).Run();

        second.Runs.Select(r => (r.Arm, r.Epochs, r.TestMetric, r.Parameters)).Should().Equal(first.Runs.Select(r => (r.Arm, r.Epochs, r.TestMetric, r.Parameters)));
    }

    [Test]
    public void Constructor_MinimizeMode_ThrowsNamingTheFix()
    {
        var act = () => new SchedulerGrowth(new SchedulerGrowthOptions { Growth = new GrowthOptions { Mode = ScoreMode.Minimize } });

        act.Should().Throw<InvalidOptionsException>().WithMessage("SchedulerGrowthOptions has 1 invalid value: Growth.Mode = Minimize: must be Maximize*");
    }

    [Test]
    public void Constructor_Null_UsesTheDefaults()
    {
        new SchedulerGrowth().Options.Should().BeSameAs(SchedulerGrowthOptions.Default);
    }

    [Test]
    public void RunnerConstructor_MaxEpochsBelowTheBaselinesEpochs_ReportsRecipeEpochsNamingBothAndTheFix()
    {
        var growth = new SchedulerGrowth(new SchedulerGrowthOptions { MaxEpochs = 2 });

        var act = () => new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), growth, Tiny with { Width = 0 });

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal("Width", "Recipe.Epochs");
        thrown.Message.Should().Contain("Recipe.Epochs = 3: exceeds the dendritic arm's epoch cap, SchedulerGrowth's MaxEpochs (2)").And.Contain("Raise the cap to at least 3 (SchedulerGrowthOptions.MaxEpochs or FixedEpochGrowthOptions.MaxEpochs");
    }

    [Test]
    public void RunnerConstructor_MaxEpochsBelowTheBaselinesEpochsWithoutTheDendriticArm_IsAccepted()
    {
        var growth = new SchedulerGrowth(new SchedulerGrowthOptions { MaxEpochs = 2 });

        var act = () => new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), growth, Tiny with { Arms = new[] { ArmKind.Baseline } });

        act.Should().NotThrow();
    }
    [Test]
    public void Run_CapBeforeTheSchedulerCompletes_ReportsTheCutOffInRunsCsvAndSummary()
    {
        // Patience far beyond the cap: the scheduler cannot complete within 3 epochs.
        var growth = new SchedulerGrowth(new SchedulerGrowthOptions { Growth = new GrowthOptions { Patience = 50 }, MaxEpochs = 3 });

        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), growth, Tiny).Run();

        report.Runs.Where(r => r.Arm == ArmKind.Dendritic).Should().OnlyContain(r => r.GrowthCutOff == true);
        report.Runs.Where(r => r.Arm != ArmKind.Dendritic).Should().OnlyContain(r => r.GrowthCutOff == null);
        ReportWriter.RunsCsv(report).Split('\n')[0].Should().EndWith(",best_epoch_parameters,candidate_passes,growth_cut_off");
        ReportWriter.ToMarkdown(report).Should().Contain("**Note:** the dendritic arm's epoch cap ended its growth before the policy finished on 2 of 2 seeds (3, 4)");
    }

    [Test]
    public void Begin_BothPolicies_WrapWithTheExperimentsLoggerAndNoDendrites()
    {
        // The harness's wrap settings leave out InitialDendrites and Logger: every arm starts as the plain model, and the
        // wrapper logs where the rest of the harness does.
        using var model = Synthetic.Factory(4);
        using var otherModel = Synthetic.Factory(4);
        using var x = TorchSharp.torch.randn(5, Synthetic.Features);
        var context = Synthetic.Context(x) with { Logger = new UsersLogger() };

        using var scheduler = new SchedulerGrowth().Begin(model, context);
        using var fixedEpochs = new FixedEpochGrowth(new FixedEpochGrowthOptions { GrowAfterEpochs = new[] { 1 }, MaxEpochs = 2 }).Begin(otherModel, context);

        foreach (var session in new[] { scheduler, fixedEpochs })
        {
            session.Handle!.DendriteCount.Should().Be(0);
            session.Handle.Options.Logger.Should().BeSameAs(context.Logger);
            session.Handle.Options.InitialDendrites.Should().Be(0);
        }
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
