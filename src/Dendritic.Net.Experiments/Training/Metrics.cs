using System;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>Ready-made losses and metrics for classification.</summary>
public static class Metrics
{
    /// <summary>Share of samples whose largest output is the target class, in [0, 1].</summary>
    public static MetricFunction Accuracy { get; } = (outputs, targets) =>
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(targets);
        using var scope = NewDisposeScope();
        var correct = outputs.argmax(1).eq(targets).sum().item<long>();
        return (double)correct / targets.shape[0];
    };

    /// <summary>Cross-entropy between logits and class indices, averaged over the batch.</summary>
    public static LossFunction CrossEntropy { get; } = (outputs, targets) => nn.functional.cross_entropy(outputs, targets);
}
