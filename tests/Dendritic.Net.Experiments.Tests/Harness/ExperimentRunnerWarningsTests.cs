using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic.Experiments.Tests.Support;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Harness;

/// <summary>
/// What a newcomer's trial of the harness on their own data found reported too quietly: warnings that went only to the
/// (default, null) logger, a lower-is-better metric that made every arm keep its first epoch without a word, and a
/// factory that ignores the width, caught only after seed 1's baseline and dendritic arms had trained.
/// </summary>
[TestFixture]
public sealed class ExperimentRunnerWarningsTests
{
    private static readonly ExperimentOptions Tiny = Synthetic.TinyOptions(3);

    private static FixedEpochGrowth Growth => new(new FixedEpochGrowthOptions { GrowAfterEpochs = new[] { 3 }, MaxEpochs = 5 });

    [Test]
    public void Run_TargetsOfOneClass_PutTheWarningInTheReportAndItsSummary()
    {
        var data = Synthetic.Data();
        data.Train.Targets.zero_();

        var report = new ExperimentRunner(Synthetic.Factory, data, Growth, Tiny).Run();

        report.Warnings.Should().Contain(w => w.StartsWith("The training targets hold one class only (0)", StringComparison.Ordinal));
        ReportWriter.ToMarkdown(report).Should().Contain("**Warning:** The training targets hold one class only (0)");
    }

    [Test]
    public void Run_LowerIsBetterMetric_WarnsThatEveryRunKeptItsFirstEpoch()
    {
        // Negated accuracy falls as every arm learns, so each keeps epoch 1: a loss given as the metric does the same.
        var options = Tiny with { Metric = (outputs, targets) => -Metrics.Accuracy(outputs, targets), MetricName = "negated accuracy" };

        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), Growth, options).Run();

        report.Runs.Should().OnlyContain(r => r.BestEpoch == 1);
        report.Warnings.Should().ContainSingle(w => w.StartsWith("Every run's best validation epoch was its first", StringComparison.Ordinal) && w.Contains("give its negation"));
        ReportWriter.ToMarkdown(report).Should().Contain("**Warning:** Every run's best validation epoch was its first");
    }

    [Test]
    public void Run_DefaultMetricOnALearnableProblem_HasNoWarning()
    {
        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), Growth, Tiny).Run();

        report.Warnings.Should().BeEmpty();
        ReportWriter.ToMarkdown(report).Should().NotContain("**Warning:**");
    }

    [Test]
    public void Run_FactoryThatIgnoresTheWidth_ThrowsBeforeAnyArmTrains()
    {
        var started = new List<ArmKind>();
        var runner = new ExperimentRunner(_ => new Synthetic.Mlp(4), Synthetic.Data(), Growth, Tiny);

        var act = () => runner.Run(new SynchronousProgress(p => started.Add(p.Arm)));

        act.Should().Throw<InvalidOperationException>().WithMessage("The model factory built * parameters at width 1 and as many at width 64*");
        started.Should().BeEmpty("the check runs before the first arm, not after seed 1's baseline and dendritic arms");
    }

    [Test]
    public void Run_CapacityMatchedArm_BuildsEachWidthItCountsOnce()
    {
        // The check for a width-ignoring factory built widths 1 and 64, and sizing the control built width 1 again.
        var built = new List<int>();
        var report = new ExperimentRunner(w => { built.Add(w); return new Synthetic.Mlp(w); }, Synthetic.Data(), Growth, Tiny).Run();
        var matched = report.Runs.Single(r => r.Arm == ArmKind.CapacityMatched).Width;

        built.Should().Contain(new[] { 1, 64 }, "the check compares these two");
        built.Where(w => w != Tiny.Width && w != matched).Should().OnlyHaveUniqueItems("apart from the arms' own models, a width is built only to count it, once");
        matched.Should().NotBe(Tiny.Width, "precondition: the control is wider than the arms built at Width");
        built.Count(w => w == matched).Should().Be(2, "the control's width is counted once and built once for its arm");
    }

    [Test]
    public void Run_FactoryThatIgnoresTheWidthWithoutACapacityMatchedArm_Runs()
    {
        var options = Tiny with { Arms = new[] { ArmKind.Baseline, ArmKind.Dendritic } };

        var report = new ExperimentRunner(_ => new Synthetic.Mlp(4), Synthetic.Data(), Growth, options).Run();

        report.Runs.Should().HaveCount(2);
    }

    [Test]
    public void Run_RegressionTargetsWithoutTheOutputsTrailingAxis_ThrowsBeforeAnyArmNamingBothShapes()
    {
        // [n] targets against [n, 1] outputs: mse_loss broadcast them to [n, n], with only libtorch's warning.
        var started = new List<ArmKind>();
        var runner = new ExperimentRunner(Regressor, Regression(targetAxis: false), Growth, RegressionOptions);

        var act = () => runner.Run(new SynchronousProgress(p => started.Add(p.Arm)));

        act.Should().Throw<InvalidOperationException>().WithMessage("The model's outputs [32, 1] and the float targets [32] of the data 'regression' differ by a trailing axis of size 1*unsqueeze(-1)*");
        started.Should().BeEmpty();
    }

    [Test]
    public void Run_RegressionTargetsShapedLikeTheOutputs_Runs()
    {
        var report = new ExperimentRunner(Regressor, Regression(targetAxis: true), Growth, RegressionOptions).Run();

        report.Runs.Should().HaveCount(4).And.OnlyContain(r => double.IsFinite(r.TestMetric));
    }

    private static ExperimentOptions RegressionOptions => Synthetic.RegressionOptions(Tiny);

    private static ModelFactory Regressor => Synthetic.Regressor;

    private static ExperimentData Regression(bool targetAxis) => Synthetic.Regression(targetAxis);
}
