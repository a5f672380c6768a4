using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Dendritic.Benchmarks;

/// <summary>The one BenchmarkDotNet configuration every suite runs with, shaped by <see cref="BenchSettings"/>.</summary>
internal static class BenchConfig
{
    /// <summary>Builds the configuration: job length, toolchain, memory diagnoser and CSV/Markdown exporters.</summary>
    public static IConfig Create()
    {
        var job = Job.Default.WithLaunchCount(1);
        if (BenchSettings.Quick)
        {
            // CPU invocations take a tenth of a second or more: one per iteration is plenty and keeps a whole CPU
            // run of the layer suites within minutes on two cores. CUDA invocations are milliseconds: fill 100 ms.
            job = BenchSettings.UsesCuda
                ? job.WithWarmupCount(2).WithIterationCount(5).WithIterationTime(TimeInterval.FromMilliseconds(100))
                : job.WithWarmupCount(1).WithIterationCount(6).WithInvocationCount(1).WithUnrollFactor(1);
        }

        if (BenchSettings.IterationMilliseconds is int ms)
        {
            job = job.WithIterationTime(TimeInterval.FromMilliseconds(ms));
        }

        if (BenchSettings.Iterations is int iterations)
        {
            job = job.WithIterationCount(iterations);
        }

        if (BenchSettings.InProcess)
        {
            job = job.WithToolchain(InProcessEmitToolchain.Instance);
        }

        // libtorch's own thread pool and allocator are what we measure; the .NET GC should stay out of the way.
        job = job.WithGcServer(false).WithGcConcurrent(false).WithId(BenchSettings.Quick ? "Quick" : "Default");

        var style = SummaryStyle.Default.WithTimeUnit(TimeUnit.Millisecond).WithMaxParameterColumnWidth(20);
        var csvStyle = new SummaryStyle(CultureInfo.InvariantCulture, printUnitsInHeader: true, sizeUnit: null, timeUnit: TimeUnit.Millisecond, printUnitsInContent: false);
        return ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(StatisticColumn.Median, StatisticColumn.Min)
            .AddExporter(new CsvExporter(CsvSeparator.Comma, csvStyle))
            .AddExporter(MarkdownExporter.GitHub)
            .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
            .WithSummaryStyle(style)
            .WithOption(ConfigOptions.JoinSummary, false)
            .WithOption(ConfigOptions.DisableLogFile, false);
    }
}
