using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using Dendritic.Experiments;
using Spectre.Console;

namespace Dendritic.Pilot;

/// <summary>Runs an experiment under Spectre.Console progress bars: one per arm and seed.</summary>
internal static class ConsoleProgress
{
    public static ExperimentReport Run(ExperimentRunner runner, CancellationToken cancellationToken)
    {
        ExperimentReport? report = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var tasks = new Dictionary<int, ProgressTask>();
                var progress = new Sink(p =>
                {
                    if (!tasks.TryGetValue(p.RunIndex, out var task))
                    {
                        task = context.AddTask(Describe(p), maxValue: p.MaxEpochs);
                        tasks[p.RunIndex] = task;
                    }

                    task.MaxValue = p.MaxEpochs;
                    task.Value = p.Epoch;
                    task.Description = Describe(p);
                    if (p.Finished)
                    {
                        task.StopTask();
                    }
                });
                report = runner.Run(progress, cancellationToken);
            });
        return report!;
    }

    private static string Describe(ExperimentProgress p)
    {
        var validation = p.ValidationMetric is { } v ? string.Create(CultureInfo.InvariantCulture, $" val {v * 100:F1}%") : string.Empty;
        return ConsoleText.Markup(string.Create(CultureInfo.InvariantCulture, $"seed {p.Seed} {ReportWriter.Label(p.Arm)} (w={p.Width}){validation}"));
    }

    // Progress<T> would post to the thread pool; the runner is synchronous, so report on the calling thread.
    private sealed class Sink : IProgress<ExperimentProgress>
    {
        private readonly Action<ExperimentProgress> _report;

        public Sink(Action<ExperimentProgress> report) => _report = report;

        public void Report(ExperimentProgress value) => _report(value);
    }
}
