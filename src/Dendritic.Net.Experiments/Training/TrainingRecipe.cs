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

    /// <summary>Checks every value and throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    /// <returns>This instance, for chaining.</returns>
    public TrainingRecipe Validate()
    {
        if (Epochs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be at least 1 (default 10).");
        }

        if (BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1 (default 64).");
        }

        if (!double.IsFinite(LearningRate) || LearningRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be a finite number above 0 (default 0.001).");
        }

        if (!double.IsFinite(WeightDecay) || WeightDecay < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "WeightDecay must be a finite number, 0 or above (default 0).");
        }

        if (EvaluationBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(EvaluationBatchSize), EvaluationBatchSize, "EvaluationBatchSize must be at least 1 (default 1024).");
        }

        return this;
    }
}
