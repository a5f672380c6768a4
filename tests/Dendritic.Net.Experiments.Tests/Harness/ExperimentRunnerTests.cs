using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Dendritic.Experiments.Tests.Support;
using Dendritic.Reporting;
using FluentAssertions;
using NUnit.Framework;
using Dendritic.Testing;
using static TorchSharp.torch.nn;

namespace Dendritic.Experiments.Tests.Harness;

[TestFixture]
public sealed class ExperimentRunnerTests
{
    private static readonly ExperimentOptions Tiny = Synthetic.TinyOptions(3, 4);

    private static FixedEpochGrowth Growth => new(new FixedEpochGrowthOptions { GrowAfterEpochs = new[] { 3 }, MaxEpochs = 5 });

    [Test]
    public void Run_TinyProblem_RunsEveryArmForEverySeedWithFiniteNumbers()
    {
        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), Growth, Tiny).Run();

        report.Runs.Select(r => (r.Arm, r.Seed)).Should().Equal(
            (ArmKind.Baseline, 3), (ArmKind.Dendritic, 3), (ArmKind.CapacityMatched, 3), (ArmKind.TrainAsLong, 3),
            (ArmKind.Baseline, 4), (ArmKind.Dendritic, 4), (ArmKind.CapacityMatched, 4), (ArmKind.TrainAsLong, 4));
        foreach (var run in report.Runs)
        {
            new[] { run.TestMetric, run.BestValidationMetric, run.FlopsPerSample, run.TrainingSeconds, run.LatencyMilliseconds }
                .Should().OnlyContain(v => double.IsFinite(v) && v >= 0, $"{run.Arm} seed {run.Seed}");
            run.TestMetric.Should().BeInRange(0, 1);
            run.Curve.Should().HaveCount(run.Epochs).And.OnlyContain(e => double.IsFinite(e.TrainLoss));
            run.EnergySource.Should().NotBeNullOrEmpty();
            (run.EnergyJoules is null).Should().Be(run.EnergySource.StartsWith("not measured", StringComparison.Ordinal));
        }

        report.Runs.Where(r => r.Arm == ArmKind.Baseline).Should().OnlyContain(r => r.Epochs == 3 && r.Parameters == Synthetic.ParametersAt(4));
        report.Runs.Where(r => r.Arm == ArmKind.Dendritic).Should().OnlyContain(r => r.Epochs == 5 && r.DendriteCount == 1 && r.Parameters > Synthetic.ParametersAt(4));
        report.Runs.Where(r => r.Arm == ArmKind.TrainAsLong).Should().OnlyContain(r => r.Epochs == 5 && r.Width == 4);
        report.Summaries.Should().HaveCount(4);
        report.Summaries.Single(s => s.Arm == ArmKind.Baseline).DifferenceVsBaseline.Should().BeNull();
        report.Summaries.Where(s => s.Arm != ArmKind.Baseline).Should().OnlyContain(s => s.DifferenceVsBaseline != null && s.DifferenceVsBaseline.Low95 != null);
    }

    [Test]
    public void Run_CapacityMatchedControl_IsWithinOneWidthUnitOfTheDendriticParameterCount()
    {
        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), Growth, Tiny).Run();

        foreach (var seed in Tiny.Seeds)
        {
            var target = report.Runs.Single(r => r.Arm == ArmKind.Dendritic && r.Seed == seed).BestEpochParameters;
            var control = report.Runs.Single(r => r.Arm == ArmKind.CapacityMatched && r.Seed == seed);
            control.Parameters.Should().Be(Synthetic.ParametersAt(control.Width));
            Synthetic.ParametersAt(control.Width - 1).Should().BeLessThanOrEqualTo(target);
            Synthetic.ParametersAt(control.Width + 1).Should().BeGreaterThanOrEqualTo(target);
            control.Epochs.Should().Be(5, "the control trains as long as the dendritic arm");
        }
    }

    [Test]
    public void Run_SameSeedOnCpuTwice_GivesIdenticalNumbers()
    {
        var first = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), Growth, Tiny).Run();
        var second = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), Growth, Tiny).Run();

        // Timings, memory and energy vary by nature; every learned number must not.
        static object Learned(RunResult r) => new { r.Arm, r.Seed, r.Width, r.Epochs, r.BestEpoch, r.BestValidationMetric, r.TestMetric, r.Parameters, r.FlopsPerSample, Curve = string.Join(";", r.Curve.Select(e => $"{e.TrainLoss:R},{e.ValidationMetric:R},{e.TestMetric:R},{e.Parameters}")) };
        second.Runs.Select(Learned).Should().Equal(first.Runs.Select(Learned));
    }

    [Test]
    public void Run_BaselineAndTrainAsLong_ShareTheirFirstEpochs()
    {
        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), Growth, Tiny with { Seeds = new[] { 5 } }).Run();

        var baseline = report.Runs.Single(r => r.Arm == ArmKind.Baseline).Curve;
        var longer = report.Runs.Single(r => r.Arm == ArmKind.TrainAsLong).Curve.Take(baseline.Count);
        longer.Select(e => e.TrainLoss).Should().Equal(baseline.Select(e => e.TrainLoss), "same seed, same data order, same recipe");
    }

    [Test]
    public void WriteAll_Report_WritesFilesThatParse()
    {
        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), Growth, Tiny).Run();
        using var temp = new TempFolder();

        var files = ReportWriter.WriteAll(report, temp.Path).Concat(ExperimentCharts.WriteAll(report, temp.Path)).ToList();

        files.Select(Path.GetFileName).Should().BeEquivalentTo("report.json", "runs.csv", "summary.csv", "curves.csv", "activations.csv", "summary.md", "metric-vs-parameters.png", "metric-vs-flops.png", "training-curves.png");
        var parsed = ReportWriter.FromJson(File.ReadAllText(temp.File("report.json")));
        parsed.Runs.Select(r => r.TestMetric).Should().Equal(report.Runs.Select(r => r.TestMetric));
        parsed.Summaries.Should().HaveCount(4);
        var runs = File.ReadAllLines(temp.File("runs.csv"));
        runs.Should().HaveCount(1 + 8);
        runs.Skip(1).Should().OnlyContain(l => l.Split(',').Length >= runs[0].Split(',').Length);
        File.ReadAllLines(temp.File("summary.csv")).Should().HaveCount(1 + 4);
        File.ReadAllLines(temp.File("curves.csv")).Should().HaveCount(1 + report.Runs.Sum(r => r.Curve.Count));
        var markdown = File.ReadAllText(temp.File("summary.md"));
        markdown.Should().Contain("| Arm |").And.Contain("capacity-matched control").And.Contain("vs train-as-long control");
        foreach (var png in files.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
        {
            File.ReadAllBytes(png).Take(4).Should().Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' });
        }
    }

    [Test]
    public void Run_BaselineOnly_NeedsNoGrowth()
    {
        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), Growth, Tiny with { Arms = new[] { ArmKind.Baseline } }).Run();

        report.Runs.Should().HaveCount(2).And.OnlyContain(r => r.Arm == ArmKind.Baseline);
        ReportWriter.ToMarkdown(report).Should().NotContain("Dendritic arm against");
    }

    [Test]
    public void Run_CudaOnCpuBuild_ThrowsInvalidOperationExceptionNamingTheFix()
    {
        var runner = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), Growth, Tiny with { Device = "cuda" });

        var act = () => runner.Run();

        act.Should().Throw<InvalidOperationException>().WithMessage("*CUDA is not available*cpu*");
    }

    [Test]
    public void Constructor_ControlsWithoutDendriticArm_ThrowsNamingArms()
    {
        var act = () => new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), Growth, Tiny with { Arms = new[] { ArmKind.Baseline, ArmKind.TrainAsLong } });

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("Arms");
    }

    [Test]
    public void MatchWidth_LinearCounts_PicksNearestWidth()
    {
        ExperimentRunner.MatchWidth(Synthetic.Factory, Synthetic.ParametersAt(10), 1, 1000).Should().Be(10);
        ExperimentRunner.MatchWidth(Synthetic.Factory, Synthetic.ParametersAt(10) + 2, 1, 1000).Should().Be(10);
        ExperimentRunner.MatchWidth(Synthetic.Factory, Synthetic.ParametersAt(11) - 2, 1, 1000).Should().Be(11);
    }

    [Test]
    public void MatchWidth_TargetBeyondMaxWidth_Throws()
    {
        var act = () => ExperimentRunner.MatchWidth(Synthetic.Factory, Synthetic.ParametersAt(50), 1, 20);

        act.Should().Throw<InvalidOperationException>().WithMessage("*MaxWidth*");
    }

    [Test]
    public void Run_NaNInTheTrainingData_ThrowsSayingTrainingDiverged()
    {
        var data = Synthetic.Data();
        data.Train.Inputs[0, 0] = float.NaN;

        var act = () => new ExperimentRunner(Synthetic.Factory, data, Growth, Tiny).Run();

        act.Should().Throw<InvalidOperationException>().WithMessage("Arm Baseline, seed *, epoch 1: the mean training loss is NaN, so training diverged*NaN or infinite values*");
    }

    [Test]
    public void Run_ModelOfAnotherInputSize_ThrowsNamingTheShapesBeforeTheFirstArm()
    {
        var act = () => new ExperimentRunner(width => Sequential(("fc", Linear(Synthetic.Features + 4, Synthetic.Classes))), Synthetic.Data(), Growth, Tiny).Run();

        act.Should().Throw<InvalidOperationException>().WithMessage("The model (width 4) failed on the first batches of the train split of the data 'synthetic' (inputs [240, 6] Float32, targets [240] Int64), before the first arm: *int64 class indices*");
    }

    [Test]
    public void Run_TestSplitOfAnotherInputSize_ThrowsNamingTheTestSplitBeforeTheFirstArm()
    {
        var good = Synthetic.Data();
        var data = new ExperimentData("synthetic", good.Train, good.Validation, new DataSplit(TorchSharp.torch.zeros(60, Synthetic.Features - 2), good.Test.Targets));
        var started = new List<ExperimentProgress>();

        var act = () => new ExperimentRunner(Synthetic.Factory, data, Growth, Tiny).Run(new ListProgress(started));

        act.Should().Throw<InvalidOperationException>().WithMessage("The model (width 4) failed on the test split of the data 'synthetic' (inputs [60, 4] Float32, targets [60] Int64), before the first arm: *");
        started.Should().BeEmpty("the check runs before any arm trains");
    }

    [TestCase("validation")]
    [TestCase("test")]
    public void Run_LabelBeyondTheOutputsInAnEvaluationSplit_ThrowsNamingTheSplit(string split)
    {
        // The accuracy scores such a label as a wrong answer without a word; the loss refuses it.
        var good = Synthetic.Data();
        DataSplit WithBadLabel(DataSplit s)
        {
            var targets = s.Targets.clone();
            targets[7] = TorchSharp.torch.tensor((long)Synthetic.Classes);
            return new DataSplit(s.Inputs, targets);
        }

        var data = split == "validation"
            ? new ExperimentData("synthetic", good.Train, WithBadLabel(good.Validation), good.Test)
            : new ExperimentData("synthetic", good.Train, good.Validation, WithBadLabel(good.Test));

        var act = () => new ExperimentRunner(Synthetic.Factory, data, Growth, Tiny).Run();

        act.Should().Throw<InvalidOperationException>().WithMessage($"The model (width 4) failed on the {split} split of the data 'synthetic'*int64 class indices below its output size*")
            .Which.Message.Should().NotContain("..", "libtorch's own full stop is dropped before the message goes on");
    }

    [Test]
    public void Run_FactoryReturningOneModelObject_SaysItMustBuildANewOne()
    {
        using var shared = new Synthetic.Mlp(4);

        var act = () => new ExperimentRunner(_ => shared, Synthetic.Data(), Growth, Tiny).Run();

        act.Should().Throw<InvalidOperationException>().WithMessage("The model factory returned the same model object twice*");
    }

    [Test]
    public void Run_TargetsOfOneClass_WarnsWithEvent5105()
    {
        var logger = new CountingLogger();
        var data = Synthetic.Data();
        data.Train.Targets.zero_();

        new ExperimentRunner(Synthetic.Factory, data, Growth, Tiny with { Seeds = new[] { 1 }, Logger = logger }).Run();

        logger.Warnings.Should().ContainSingle(w => w.StartsWith("5105:", StringComparison.Ordinal));
    }

    [Test]
    public void Run_SetGrownAfterTheBestEpoch_LogsEvent5107AndTheReportSaysTheArmKeptNone()
    {
        // Grown after the last epoch, the set is never evaluated, so the reported model is the one before it.
        var logger = new CountingLogger();
        var growth = new ScriptedGrowth { MaxEpochs = 3, GrowAfterEpoch = 3 };

        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), growth, Tiny with { Seeds = new[] { 1 }, Logger = logger }).Run();

        logger.Events.Should().ContainSingle(e => e.StartsWith("5107:", StringComparison.Ordinal) && e.Contains("has 0 dendrite set(s) per layer; the training ended with 1"));
        ReportWriter.ToMarkdown(report).Should().Contain("on 1 of 1 seeds (1) the dendritic arm's reported model has no dendrites");
    }

    private sealed class CountingLogger : Microsoft.Extensions.Logging.ILogger
    {
        public List<string> Warnings { get; } = new();

        public List<string> Events { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Events.Add($"{eventId.Id}: {formatter(state, exception)}");
            if (logLevel == Microsoft.Extensions.Logging.LogLevel.Warning)
            {
                Warnings.Add($"{eventId.Id}: {formatter(state, exception)}");
            }
        }
    }

    [Test]
    public void MatchWidth_FactoryThatIgnoresTheWidth_SaysSoInsteadOfSearching()
    {
        var above = () => ExperimentRunner.MatchWidth(_ => new Synthetic.Mlp(4), Synthetic.ParametersAt(10), 1, 1000);
        var below = () => ExperimentRunner.MatchWidth(_ => new Synthetic.Mlp(4), Synthetic.ParametersAt(2), 1, 1000);

        above.Should().Throw<InvalidOperationException>().WithMessage("The model factory built * parameters at width 1 and as many at width 1000: the capacity-matched control needs a factory whose model grows with the width it is given*");
        below.Should().Throw<InvalidOperationException>().WithMessage("The model factory built * parameters at width 1 and as many at width 64*", "matched at width 1, it would report a control it never built");
    }

    [Test]
    public void MatchWidth_FactoryThatGrowsInSteps_IsMatched()
    {
        // A hidden size rounded up to a multiple of 8: the same count at widths 1 and 2, still growing with the width.
        var width = ExperimentRunner.MatchWidth(w => new Synthetic.Mlp(8 * ((w + 7) / 8)), Synthetic.ParametersAt(16), 1, 1000);

        width.Should().BeInRange(9, 16);
    }

    [Test]
    public void FixedEpochGrowth_LayerCalledThroughForward_ThrowsLayerNotInvoked()
    {
        using var model = new Synthetic.Bypassing();
        using var sample = TorchSharp.torch.randn(2, Synthetic.Features);

        var act = () => Growth.Begin(model, Synthetic.Context(sample));

        act.Should().Throw<LayerNotInvokedException>();
    }

    [Test]
    public void FixedEpochGrowth_PlainModel_WrapsWithoutChangingOutputThenGrows()
    {
        using var model = Synthetic.Factory(4);
        using var x = TorchSharp.torch.randn(5, Synthetic.Features);
        using var before = model.call(x);

        using var session = Growth.Begin(model, Synthetic.Context(x));
        using var wrapped = model.call(x);
        var step = session.AfterEpoch(3, 0.5);

        wrapped.equal(before).all().item<bool>().Should().BeTrue();
        session.Handle!.Layers.Should().HaveCount(2).And.OnlyContain(l => l.DendriteCount == 1);
        step.DendritesAdded.Should().Be(1);
        session.AfterEpoch(5, 0.5).Stop.Should().BeTrue();
    }

    [Test]
    public void FixedEpochGrowth_FreezeHost_LeavesOnlyDendritesTrainableAfterGrowth()
    {
        using var model = Synthetic.Factory(4);
        using var x = TorchSharp.torch.randn(5, Synthetic.Features);
        using var session = new FixedEpochGrowth(new FixedEpochGrowthOptions { GrowAfterEpochs = new[] { 3 }, MaxEpochs = 5, FreezeHostOnGrowth = true }).Begin(model, Synthetic.Context(x));

        session.AfterEpoch(3, 0.5);

        session.Handle!.TrainableParameters().Should().BeEquivalentTo(session.Handle.DendriteParameters());
    }

    [Test]
    public void Run_FrozenHost_BaselinePartOfDendriticArmEndsWhereGrowthStarts()
    {
        var growth = new FixedEpochGrowth(new FixedEpochGrowthOptions { GrowAfterEpochs = new[] { 3 }, MaxEpochs = 5, FreezeHostOnGrowth = true });

        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), growth, Tiny with { Seeds = new[] { 6 } }).Run();

        var dendritic = report.Runs.Single(r => r.Arm == ArmKind.Dendritic);
        dendritic.Curve.Take(3).Select(e => e.TrainLoss).Should().Equal(report.Runs.Single(r => r.Arm == ArmKind.Baseline).Curve.Select(e => e.TrainLoss));
        dendritic.Curve[2].Growth.Should().NotBeNull();
    }

    [Test]
    public void Constructor_FixedScheduleShorterThanTheBaseline_ReportsRecipeEpochsNamingTheCapAndTheFix()
    {
        var growth = new FixedEpochGrowth(new FixedEpochGrowthOptions { GrowAfterEpochs = new[] { 1 }, MaxEpochs = 2 });

        var act = () => new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), growth, Tiny);

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionsType.Should().Be("ExperimentOptions");
        thrown.OptionNames.Should().Equal("Recipe.Epochs");
        thrown.Message.Should().Contain("Recipe.Epochs = 3: exceeds the dendritic arm's epoch cap, FixedEpochGrowth's MaxEpochs (2)").And.Contain("Raise the cap to at least 3 (SchedulerGrowthOptions.MaxEpochs or FixedEpochGrowthOptions.MaxEpochs for the built-in policies), or lower Recipe.Epochs");
    }

    [Test]
    public void Constructor_CustomPolicyCappedBelowTheBaseline_ReportsRecipeEpochsNamingThePolicy()
    {
        // Any policy that says its cap (IGrowthPolicy.MaxEpochs) is checked, not only the built-in ones.
        var growth = new ScriptedGrowth { MaxEpochs = 2 };

        var act = () => new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), growth, Tiny with { LatencyRepeats = 0 });

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal("LatencyRepeats", "Recipe.Epochs");
        thrown.Message.Should().Contain("Recipe.Epochs = 3: exceeds the dendritic arm's epoch cap, ScriptedGrowth's MaxEpochs (2)");
    }

    [Test]
    public void Constructor_CustomPolicyCappedAtTheBaselinesBudget_IsAccepted()
    {
        var act = () => new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), new ScriptedGrowth { MaxEpochs = 3 }, Tiny);

        act.Should().NotThrow();
    }

    [Test]
    public void Constructor_CustomPolicyWithoutACap_IsNotChecked()
    {
        // Null: the policy cannot say before Begin, so there is nothing to check when the runner is built.
        var act = () => new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), new ScriptedGrowth { MaxEpochs = 2, DeclaresMaxEpochs = false }, Tiny);

        act.Should().NotThrow();
    }

    // Progress<T> reports on the thread pool, later; the test needs each report as it happens.
    private sealed class ListProgress(List<ExperimentProgress> reports) : IProgress<ExperimentProgress>
    {
        public void Report(ExperimentProgress value) => reports.Add(value);
    }
}
