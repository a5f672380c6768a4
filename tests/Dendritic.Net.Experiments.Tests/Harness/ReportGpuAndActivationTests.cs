using System.Linq;
using Dendritic.Experiments.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using Dendritic.Testing;

namespace Dendritic.Experiments.Tests.Harness;

[TestFixture]
public sealed class ReportGpuAndActivationTests
{
    private static readonly ExperimentOptions Tiny = new()
    {
        Seeds = new[] { 3 },
        Width = 4,
        Recipe = new TrainingRecipe { Epochs = 2, BatchSize = 32, LearningRate = 0.01 },
        Arms = new[] { ArmKind.Baseline, ArmKind.Dendritic },
        LatencyRepeats = 1,
        LatencyBatchSize = 8,
    };

    private static FixedEpochGrowth Growth => new(new FixedEpochGrowthOptions { GrowAfterEpochs = new[] { 1 }, MaxEpochs = 3 });

    [Test]
    public void Run_OnCpu_ReportsGpuAsNotMeasuredEverywhere()
    {
        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), Growth, Tiny).Run();

        report.Runs.Should().OnlyContain(r => r.GpuUtilizationPercent == null && r.GpuPeakMemoryMiB == null && r.GpuSource == "not measured: CPU run");
        var table = ReportWriter.ToMarkdown(report).Split('\n').Where(l => l.Count(c => c == '|') == 15 && !l.StartsWith("| Arm", System.StringComparison.Ordinal) && !l.StartsWith("|---", System.StringComparison.Ordinal)).ToList();
        table.Should().HaveCount(2).And.OnlyContain(l => l.TrimEnd().EndsWith("| not measured | not measured |", System.StringComparison.Ordinal));
        ReportWriter.RunsCsv(report).Split('\n')[1].Should().Contain(",,,\"not measured: CPU run\",");
    }

    [Test]
    public void ToMarkdown_MeasuredGpu_ShowsMeanUtilisationAndPeakMemory()
    {
        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), Growth, Tiny with { Arms = new[] { ArmKind.Baseline } }).Run();
        var runs = report.Runs.Select(r => r with { GpuUtilizationPercent = 87.4, GpuPeakMemoryMiB = 1536.2, GpuSource = "NVML, GPU 0" }).ToList();
        var measured = report with { Runs = runs, Summaries = ReportSummaries.Build(runs) };

        var markdown = ReportWriter.ToMarkdown(measured);

        markdown.Should().Contain("| 87 | 1536 |").And.Contain("GPU: NVML, GPU 0.");
        ReportWriter.SummaryCsv(measured).Split('\n')[0].Should().EndWith("gpu_peak_memory_mib_mean,gpu_peak_memory_mib_std,gpu_peak_memory_mib_low95,gpu_peak_memory_mib_high95");
    }

    [Test]
    public void Run_DendriticArm_ProbesActivationScalesOnceDendritesExist()
    {
        var report = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), Growth, Tiny).Run();

        var dendritic = report.Runs.Single(r => r.Arm == ArmKind.Dendritic).Curve;
        dendritic[0].Activations.Should().BeNull("no dendrites during the first epoch");
        dendritic.Skip(1).Should().OnlyContain(e => e.Activations != null && e.Activations.Count > 0);
        dendritic.Skip(1).SelectMany(e => e.Activations!).Should().OnlyContain(a =>
            a.SaturatedFraction >= 0 && a.SaturatedFraction <= 1 && a.MeanAbsActivation > 0 && a.GradientNorm > 0 && a.GradientSteps == 1 && a.Activations > 0);
        report.Runs.Single(r => r.Arm == ArmKind.Baseline).Curve.Should().OnlyContain(e => e.Activations == null);
        ReportWriter.ToMarkdown(report).Should().Contain("Activation scales of the dendrites");
        using var folder = new TempFolder();
        ReportWriter.WriteAll(report, folder.Path).Should().Contain(folder.File("activations.csv"));
        System.IO.File.ReadAllLines(folder.File("activations.csv")).Should().HaveCount(1 + (2 * dendritic[1].Activations!.Count));
    }

    [Test]
    public void Run_WithAndWithoutTheProbe_TrainsBitForBitTheSame()
    {
        var probed = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), Growth, Tiny).Run();
        var plain = new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), Growth, Tiny with { ActivationProbeSamples = 0 }).Run();

        plain.Runs.SelectMany(r => r.Curve).Should().OnlyContain(e => e.Activations == null);
        plain.Runs.SelectMany(r => r.Curve.Select(e => (e.TrainLoss, e.ValidationMetric, e.TestMetric)))
            .Should().Equal(probed.Runs.SelectMany(r => r.Curve.Select(e => (e.TrainLoss, e.ValidationMetric, e.TestMetric))));
    }
}
