using System;

namespace Dendritic.Experiments;

/// <summary>
/// How every arm trains: Adam with a constant learning rate on shuffled mini-batches. Identical for all arms; only the
/// number of epochs differs where an arm's definition says so. Validated once by <see cref="Validate"/>.
/// </summary>
public sealed record TrainingRecipe
{
    /// <summary>Every value at its documented default (10 epochs of batch 64 at learning rate 0.001, no weight decay).</summary>
    public static TrainingRecipe Default { get; } = new();

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
        check.AtLeast(Epochs, 1, nameof(Epochs), Default.Epochs);
        check.AtLeast(BatchSize, 1, nameof(BatchSize), Default.BatchSize);
        check.FiniteAbove(LearningRate, 0, nameof(LearningRate), Default.LearningRate);
        check.FiniteAtLeast(WeightDecay, 0, nameof(WeightDecay), Default.WeightDecay);
        check.AtLeast(EvaluationBatchSize, 1, nameof(EvaluationBatchSize), Default.EvaluationBatchSize);
    }
}
