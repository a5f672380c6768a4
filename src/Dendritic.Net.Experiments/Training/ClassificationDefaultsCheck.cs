using System;
using System.Globalization;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// The default loss and metric are for classification, and on other data they do not fail, they mislead: accuracy on
/// float targets [n, 1] broadcast its comparison to [n, n] and reported 31,900 %, and cross-entropy over a single
/// output is 0 for every input, so a regression model left with the defaults trained nothing and every arm scored
/// 0.00 % (both from a newcomer's trial). The warm-up refuses such data before the first arm, naming the split.
/// </summary>
internal static class ClassificationDefaultsCheck
{
    /// <summary>Throws when the options' default loss or metric cannot score <paramref name="outputs"/> against <paramref name="targets"/>.</summary>
    /// <exception cref="InvalidOperationException">They cannot; the message names the shapes, the split and the fix.</exception>
    public static void ThrowIfNotClassification(ExperimentOptions options, Tensor outputs, Tensor targets, string dataName, string splitName)
    {
        var shapes = string.Create(CultureInfo.InvariantCulture, $"the data '{dataName}' gives outputs {TensorText.ShapeAndType(outputs)} and targets {TensorText.ShapeAndType(targets)} on its {splitName}");
        const string Regression = "For regression, set Loss, Metric and MetricName (for example Loss = (o, t) => nn.functional.mse_loss(o, t), Metric = (o, t) => -nn.functional.mse_loss(o, t).item<float>(), MetricName = \"negative MSE\")";
        if (options.Metric == Metrics.Accuracy && !Metrics.IsClassification(outputs, targets))
        {
            throw new InvalidOperationException($"The metric is the default, Metrics.Accuracy, which scores classification: outputs [n, classes] with at least 2 classes, and class indices [n] of an integer type (int64) as targets; {shapes}. {Regression}; for a binary task with one output, give the model 2 outputs, or give a Metric of your own.");
        }

        if (options.Loss == Metrics.CrossEntropy && outputs.dim() >= 2 && outputs.shape[1] == 1)
        {
            throw new InvalidOperationException($"The loss is the default, Metrics.CrossEntropy, over a single output, which is 0 for every input: nothing would train; {shapes}. {Regression}; for a binary task, give the model 2 outputs, or give a Loss of your own (nn.functional.binary_cross_entropy_with_logits).");
        }
    }
}
