using System;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>Ready-made losses and metrics for classification.</summary>
public static class Metrics
{
    /// <summary>Share of samples whose largest output is the target class, in [0, 1].</summary>
    /// <remarks>
    /// Outputs [n, classes] with at least 2 classes, and class indices [n] of an integer type as targets.
    /// </remarks>
    /// <exception cref="ArgumentException">The outputs or targets are shaped or typed otherwise (float targets [n, 1]
    /// would broadcast the comparison to [n, n] and give a share far above 1).</exception>
    public static MetricFunction Accuracy { get; } = (outputs, targets) =>
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (!IsClassification(outputs, targets))
        {
            throw new ArgumentException($"Accuracy needs outputs [n, classes] with at least 2 classes and integer class indices [n]; got outputs {TensorText.ShapeAndType(outputs)} and targets {TensorText.ShapeAndType(targets)}.", nameof(targets));
        }

        using var scope = NewDisposeScope();
        var correct = outputs.argmax(1).eq(targets).sum().item<long>();
        return (double)correct / targets.shape[0];
    };

    /// <summary>Whether <paramref name="outputs"/> and <paramref name="targets"/> are what <see cref="Accuracy"/> scores.</summary>
    internal static bool IsClassification(Tensor outputs, Tensor targets) =>
        outputs.dim() == 2 && outputs.shape[1] >= 2 && targets.dim() == 1 && targets.shape[0] == outputs.shape[0]
        && !targets.is_floating_point() && !targets.is_complex() && targets.dtype != ScalarType.Bool;

    /// <summary>Cross-entropy between logits and class indices, averaged over the batch.</summary>
    public static LossFunction CrossEntropy { get; } = (outputs, targets) => nn.functional.cross_entropy(outputs, targets);
}
