using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dendritic.Experiments;

/// <summary>
/// What an experiment runs: seeds, width, recipe, arms and measurements. Immutable (the lists are copied when set);
/// validated once by <see cref="Validate"/>.
/// </summary>
public sealed record ExperimentOptions
{
    /// <summary>The options <see cref="ExperimentRunner"/> uses when given none: every value at its documented default.</summary>
    public static ExperimentOptions Default { get; } = new();

    /// <summary>Every arm runs once per seed; the seed fixes initial weights and data order. Default 1, 2, 3.</summary>
    public IReadOnlyList<int> Seeds { get; init => field = ValueList<int>.CopyOf(value); } = ValueList<int>.CopyOf([1, 2, 3]);

    /// <summary>Width passed to the model factory for the baseline, dendritic and train-as-long arms. Default 8.</summary>
    public int Width { get; init; } = 8;

    /// <summary>The training recipe shared by every arm. Default <see cref="TrainingRecipe.Default"/>.</summary>
    public TrainingRecipe Recipe { get; init; } = TrainingRecipe.Default;

    /// <summary>The arms to run, in this order per seed. Default all four. Controls need <see cref="ArmKind.Dendritic"/>.</summary>
    public IReadOnlyList<ArmKind> Arms { get; init => field = ValueList<ArmKind>.CopyOf(value); } = ValueList<ArmKind>.CopyOf([ArmKind.Baseline, ArmKind.Dendritic, ArmKind.CapacityMatched, ArmKind.TrainAsLong]);

    /// <summary>Largest width the capacity-matched search may try. Default 65,536.</summary>
    public int MaxWidth { get; init; } = 65_536;

    /// <summary>"cpu", "cuda" or "cuda:N". Default "cpu".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Samples per batch when timing inference. Default 256 (fewer when the test split is smaller).</summary>
    public int LatencyBatchSize { get; init; } = 256;

    /// <summary>Timed forward passes per arm; the median is reported. Default 20 (after 3 untimed warm-up passes).</summary>
    public int LatencyRepeats { get; init; } = 20;

    /// <summary>
    /// Training samples (the first ones) of the untimed probe pass that measures the dendritic arm's activation scales
    /// after each epoch (<see cref="EpochRecord.Activations"/>); 0 switches it off. Default 512. The probe changes
    /// nothing the arm computes (<see cref="ActivationMonitor"/>, docs/pilot.md).
    /// </summary>
    public int ActivationProbeSamples { get; init; } = 512;

    /// <summary>
    /// Grid carbon intensity in grams CO2e per kWh, 0 to <see cref="MaxGridIntensityGramsPerKwh"/>. When null (default)
    /// no CO2 figure is reported.
    /// </summary>
    public double? GridIntensityGramsPerKwh { get; init; }

    /// <summary>
    /// 10,000 g CO2e per kWh, the largest <see cref="GridIntensityGramsPerKwh"/> accepted: about ten times the most
    /// carbon-intensive grids (brown coal, near 1,100). A larger value is a typo or a unit error, and a huge one would
    /// make a run's CO2 figure infinite, which the report file cannot hold: the run would be lost at the end.
    /// </summary>
    public static double MaxGridIntensityGramsPerKwh => 10_000;

    /// <summary>Training loss. Default <see cref="Metrics.CrossEntropy"/>.</summary>
    public LossFunction Loss { get; init; } = Metrics.CrossEntropy;

    /// <summary>
    /// The reported metric, higher is better: every arm keeps its best-validation epoch by it, and growth maximises it.
    /// For a lower-is-better measure (a loss, MSE) give its negation and say so in <see cref="MetricName"/>
    /// ("negative MSE"). Another metric than the default needs its own <see cref="MetricName"/>. Default
    /// <see cref="Metrics.Accuracy"/>.
    /// </summary>
    public MetricFunction Metric { get; init; } = Metrics.Accuracy;

    /// <summary>
    /// The metric's name in reports. "accuracy" (the default, for <see cref="Metrics.Accuracy"/>) is shown as a
    /// percentage and its differences in percentage points; any other name as the metric's own values. Required (not
    /// "accuracy") when <see cref="Metric"/> is another function.
    /// </summary>
    public string MetricName { get; init; } = "accuracy";

    /// <summary>
    /// Called when each arm-and-seed run has finished, before its model is disposed, with the run's result, the reported
    /// model (the best-validation epoch's weights and dendrite sets, whose test metric the result holds, not the last
    /// epoch's; on the experiment's device) and the dendrite handle (null for arms without dendrites): the place to
    /// export or quantize trained models. Default null.
    /// </summary>
    public Action<RunResult, TorchSharp.torch.nn.Module, DendriticModel?>? RunFinished { get; init; }

    /// <summary>Where the harness logs arm starts and ends. Default <see cref="NullLogger.Instance"/>.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Checks every value, and the nested <see cref="Recipe"/>, and reports all invalid ones at once.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="InvalidOptionsException">One or more values are invalid; the exception lists each.</exception>
    public ExperimentOptions Validate()
    {
        var check = new OptionsValidator(nameof(ExperimentOptions));
        Collect(check);
        check.ThrowIfInvalid();
        return this;
    }

    /// <summary>Adds every invalid value to <paramref name="check"/> (the runner adds what it checks against the growth policy).</summary>
    internal void Collect(OptionsValidator check)
    {
        check.Require(Seeds is { Count: > 0 } && Seeds.Distinct().Count() == Seeds.Count, nameof(Seeds), Seeds is null ? null : string.Join(",", Seeds), "give at least one seed, each once (default 1, 2, 3)");
        // An invalid MaxWidth is reported as itself; Width is then checked against nothing but its own floor.
        check.Require(Width >= 1 && (MaxWidth < 1 || Width <= MaxWidth), nameof(Width), Width, string.Create(CultureInfo.InvariantCulture, $"must be between 1 and MaxWidth ({MaxWidth}) (default {Default.Width})"));
        if (check.NotNull(Recipe, nameof(Recipe), "TrainingRecipe.Default"))
        {
            Recipe.Collect(check.Nested(nameof(Recipe)));
        }

        var arms = Arms is null ? null : string.Join(",", Arms);
        check.Require(Arms is { Count: > 0 } && Arms.Distinct().Count() == Arms.Count && Arms.All(Enum.IsDefined), nameof(Arms), arms, "give each arm at most once, at least one arm");
        check.Require(
            Arms is null || Arms.Contains(ArmKind.Dendritic) || !(Arms.Contains(ArmKind.CapacityMatched) || Arms.Contains(ArmKind.TrainAsLong)),
            nameof(Arms),
            arms,
            "the capacity-matched and train-as-long controls are defined by the dendritic arm: include ArmKind.Dendritic");
        check.AtLeast(MaxWidth, 1, nameof(MaxWidth), Default.MaxWidth);
        check.Require(IsDeviceName(Device), nameof(Device), Device, $"must be \"cpu\", \"cuda\" or \"cuda:N\" (default \"{Default.Device}\")");
        check.AtLeast(LatencyBatchSize, 1, nameof(LatencyBatchSize), Default.LatencyBatchSize);
        check.AtLeast(LatencyRepeats, 1, nameof(LatencyRepeats), Default.LatencyRepeats);
        check.AtLeast(ActivationProbeSamples, 0, nameof(ActivationProbeSamples), Default.ActivationProbeSamples);
        check.Require(
            GridIntensityGramsPerKwh is not { } g || (g >= 0 && g <= MaxGridIntensityGramsPerKwh),
            nameof(GridIntensityGramsPerKwh),
            GridIntensityGramsPerKwh,
            $"must be grams CO2e per kWh from 0 to {MaxGridIntensityGramsPerKwh:N0}, or null (default null)");
        check.NotNull(Loss, nameof(Loss), "Metrics.CrossEntropy");
        check.NotNull(Metric, nameof(Metric), "Metrics.Accuracy");
        check.NotBlank(MetricName, nameof(MetricName), Default.MetricName);
        check.Require(
            Metric is null || Metric == Metrics.Accuracy || !string.Equals(MetricName, Default.MetricName, StringComparison.OrdinalIgnoreCase),
            nameof(MetricName),
            MetricName,
            "must name the Metric you gave: \"accuracy\" belongs to Metrics.Accuracy, and reports show it as a percentage (×100, differences in pp); e.g. MetricName = \"R²\"");
        check.NotNull(Logger, nameof(Logger), "NullLogger.Instance");
    }

    // The names Run resolves ("cpu", "cuda", "cuda:N"), checked here so that a typo ("gpu") is reported with the
    // other settings, before any data is read, rather than when Run starts.
    private static bool IsDeviceName(string? name) =>
        name is not null
        && (name.Equals("cpu", StringComparison.OrdinalIgnoreCase)
            || name.Equals("cuda", StringComparison.OrdinalIgnoreCase)
            || (name.StartsWith("cuda:", StringComparison.OrdinalIgnoreCase) && name.Length > 5 && name.AsSpan(5).IndexOfAnyExceptInRange('0', '9') < 0 && name.Length <= 8));
}
