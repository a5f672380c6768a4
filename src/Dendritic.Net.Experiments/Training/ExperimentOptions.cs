using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dendritic.Experiments;

/// <summary>What an experiment runs: seeds, width, recipe, arms and measurements. Validated once by <see cref="Validate"/>.</summary>
public sealed record ExperimentOptions
{
    /// <summary>Every arm runs once per seed; the seed fixes initial weights and data order. Default 1, 2, 3.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = new[] { 1, 2, 3 };

    /// <summary>Width passed to the model factory for the baseline, dendritic and train-as-long arms. Default 8.</summary>
    public int Width { get; init; } = 8;

    /// <summary>The training recipe shared by every arm.</summary>
    public TrainingRecipe Recipe { get; init; } = new();

    /// <summary>The arms to run, in this order per seed. Default all four. Controls need <see cref="ArmKind.Dendritic"/>.</summary>
    public IReadOnlyList<ArmKind> Arms { get; init; } = new[] { ArmKind.Baseline, ArmKind.Dendritic, ArmKind.CapacityMatched, ArmKind.TrainAsLong };

    /// <summary>Largest width the capacity-matched search may try. Default 65,536.</summary>
    public int MaxWidth { get; init; } = 65_536;

    /// <summary>"cpu", "cuda" or "cuda:N". Default "cpu".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Samples per batch when timing inference. Default 256 (fewer when the test split is smaller).</summary>
    public int LatencyBatchSize { get; init; } = 256;

    /// <summary>Timed forward passes per arm; the median is reported. Default 20 (after 3 untimed warm-up passes).</summary>
    public int LatencyRepeats { get; init; } = 20;

    /// <summary>Grid carbon intensity in grams CO2e per kWh. When null (default) no CO2 figure is reported.</summary>
    public double? GridIntensityGramsPerKwh { get; init; }

    /// <summary>Training loss. Default <see cref="Metrics.CrossEntropy"/>.</summary>
    public LossFunction Loss { get; init; } = Metrics.CrossEntropy;

    /// <summary>The reported metric, higher is better. Default <see cref="Metrics.Accuracy"/>.</summary>
    public MetricFunction Metric { get; init; } = Metrics.Accuracy;

    /// <summary>The metric's name in reports. Default "accuracy".</summary>
    public string MetricName { get; init; } = "accuracy";

    /// <summary>
    /// Called when each arm-and-seed run has finished, before its model is disposed, with the run's result, the trained
    /// model (its last epoch's weights, on the experiment's device) and the dendrite handle (null for arms without
    /// dendrites): the place to export or quantize trained models. Default null.
    /// </summary>
    public Action<RunResult, TorchSharp.torch.nn.Module, DendriticModel?>? RunFinished { get; init; }

    /// <summary>Where the harness logs arm starts and ends. Default <see cref="NullLogger.Instance"/>.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Checks every value and throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    /// <returns>This instance, for chaining.</returns>
    public ExperimentOptions Validate()
    {
        if (Seeds is null || Seeds.Count == 0 || Seeds.Distinct().Count() != Seeds.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(Seeds), Seeds is null ? "null" : string.Join(",", Seeds), "Give at least one seed, each once (default 1, 2, 3).");
        }

        if (Width < 1 || Width > MaxWidth)
        {
            throw new ArgumentOutOfRangeException(nameof(Width), Width, $"Width must be between 1 and MaxWidth ({MaxWidth}).");
        }

        ArgumentNullException.ThrowIfNull(Recipe, nameof(Recipe));
        Recipe.Validate();
        if (Arms is null || Arms.Count == 0 || Arms.Distinct().Count() != Arms.Count || Arms.Any(a => !Enum.IsDefined(a)))
        {
            throw new ArgumentOutOfRangeException(nameof(Arms), Arms is null ? "null" : string.Join(",", Arms), "Give each arm at most once, at least one arm.");
        }

        if ((Arms.Contains(ArmKind.CapacityMatched) || Arms.Contains(ArmKind.TrainAsLong)) && !Arms.Contains(ArmKind.Dendritic))
        {
            throw new ArgumentOutOfRangeException(nameof(Arms), string.Join(",", Arms), "The capacity-matched and train-as-long controls are defined by the dendritic arm: include ArmKind.Dendritic.");
        }

        if (string.IsNullOrWhiteSpace(Device))
        {
            throw new ArgumentOutOfRangeException(nameof(Device), Device, "Device must be \"cpu\", \"cuda\" or \"cuda:N\".");
        }

        if (LatencyBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(LatencyBatchSize), LatencyBatchSize, "LatencyBatchSize must be at least 1 (default 256).");
        }

        if (LatencyRepeats < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(LatencyRepeats), LatencyRepeats, "LatencyRepeats must be at least 1 (default 20).");
        }

        if (GridIntensityGramsPerKwh is { } g && (!double.IsFinite(g) || g < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(GridIntensityGramsPerKwh), g, "The grid intensity must be a finite number of grams CO2e per kWh, 0 or above, or null.");
        }

        ArgumentNullException.ThrowIfNull(Loss, nameof(Loss));
        ArgumentNullException.ThrowIfNull(Metric, nameof(Metric));
        ArgumentException.ThrowIfNullOrWhiteSpace(MetricName, nameof(MetricName));
        ArgumentNullException.ThrowIfNull(Logger, nameof(Logger));
        return this;
    }
}
