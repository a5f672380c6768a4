using System;

namespace Dendritic.Experiments;

/// <summary>
/// How every arm trains: Adam with a constant learning rate on shuffled mini-batches. Identical for all arms; only the
/// number of epochs differs where an arm's definition says so. Validated once by <see cref="Validate"/>.
/// </summary>
public sealed record TrainingRecipe
{
    /// <summary>The baseline's epoch budget (full passes over the training split). Default 10.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Samples per training step. Default 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam learning rate. Default 0.001.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Adam weight decay (L2). Default 0.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Samples per forward pass when evaluating (no effect on results, only on memory). Default 1024.</summary>
    public int EvaluationBatchSize { get; init; } = 1024;

    /// <summary>Checks every value and reports all invalid ones at once.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="InvalidOptionsException">One or more values are invalid; the exception lists each.</exception>
    public TrainingRecipe Validate()
    {
        var check = new OptionsValidator(nameof(TrainingRecipe));
        Collect(check);
        check.ThrowIfInvalid();
        return this;
    }

    internal void Collect(OptionsValidator check)
    {
        check.AtLeast(Epochs, 1, nameof(Epochs), Defaults.Epochs);
        check.AtLeast(BatchSize, 1, nameof(BatchSize), Defaults.BatchSize);
        check.FiniteAbove(LearningRate, 0, nameof(LearningRate), Defaults.LearningRate);
        check.FiniteAtLeast(WeightDecay, 0, nameof(WeightDecay), Defaults.WeightDecay);
        check.AtLeast(EvaluationBatchSize, 1, nameof(EvaluationBatchSize), Defaults.EvaluationBatchSize);
    }

    private static readonly TrainingRecipe Defaults = new();
}
