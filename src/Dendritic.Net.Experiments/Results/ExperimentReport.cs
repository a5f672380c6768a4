using System;
using System.Collections.Generic;

namespace Dendritic.Experiments;

/// <summary>Everything an experiment measured, with what is needed to reproduce it.</summary>
public sealed record ExperimentReport
{
    /// <summary>When the experiment finished: UTC (offset zero) as <see cref="ExperimentRunner"/> and <see cref="ReportMerger"/> write it; a report read back keeps the offset its file gives.</summary>
    public required DateTimeOffset FinishedUtc { get; init; }

    /// <summary>The data set's name and split sizes.</summary>
    public required string Data { get; init; }

    /// <summary>The metric's name.</summary>
    public required string MetricName { get; init; }

    /// <summary>Seeds, in run order.</summary>
    public required IReadOnlyList<int> Seeds { get; init; }

    /// <summary>The baseline width.</summary>
    public required int Width { get; init; }

    /// <summary>The shared training recipe.</summary>
    public required TrainingRecipe Recipe { get; init; }

    /// <summary>How the dendritic arm grew.</summary>
    public required string Growth { get; init; }

    /// <summary>The device ("cpu", "cuda", ...).</summary>
    public required string Device { get; init; }

    /// <summary>Machine, runtime and library versions.</summary>
    public required string Machine { get; init; }

    /// <summary>Grid intensity used for CO2, grams per kWh; null when none was given.</summary>
    public double? GridIntensityGramsPerKwh { get; init; }

    private readonly IReadOnlyList<string> _warnings = [];

    /// <summary>
    /// What makes the comparison say less than it seems to, each a sentence; also logged, and written under the
    /// summary's table. Empty when nothing was found. Two kinds: what the harness found in the data, which the report
    /// does not hold (one class in the training targets), kept as given; then what the runs themselves show (every run
    /// best at its first epoch while some trained longer: a lower-is-better metric), derived from <see cref="Runs"/> and
    /// <see cref="MetricName"/> whenever this is read, so that it follows the runs (a merged report's, for one). Setting
    /// the list keeps the first kind only: a derived sentence given (report.json files written before it was derived
    /// hold it) is dropped and derived again.
    /// </summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public IReadOnlyList<string> Warnings
    {
        get => ReportWarnings.With(_warnings, Runs, MetricName);
        init => _warnings = ReportWarnings.WithoutDerived(value);
    }

    /// <summary>Every arm and seed.</summary>
    public required IReadOnlyList<RunResult> Runs { get; init; }

    /// <summary>Every arm over seeds.</summary>
    public required IReadOnlyList<ArmSummary> Summaries { get; init; }
}
