using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Dendritic.Experiments;

namespace Dendritic.Pilot;

/// <summary>Checks the pilot makes before any training: the data's splits and labels, and the output folder.</summary>
public static class PilotData
{
    /// <summary>The number of classes: one more than the largest training label (the model can only learn those).</summary>
    /// <param name="data">The loaded data.</param>
    /// <returns>The class count.</returns>
    public static long ClassCount(ExperimentData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.Train.Targets.max().item<long>() + 1;
    }

    /// <summary>
    /// The fewest training images per class below which a class missing from the training split may be chance rather
    /// than a sorted file. Drawing n images from k equally common classes misses one with a probability of about
    /// k·e^(−n/k): about 0.05 % for 10 classes at 10 images a class, but about 50 % at 3 a class.
    /// </summary>
    private const int MinTrainingImagesPerClass = 10;

    /// <summary>
    /// Why the data cannot be used, or null when it can: a validation or test label outside the classes of the
    /// training labels (a model trained on those could never predict it). Empty splits never get here: ExperimentData
    /// rejects them when the data is loaded.
    /// </summary>
    /// <param name="data">The loaded data.</param>
    /// <returns>The problem, naming the split and the label (and --validation-fraction when the training split is too small to hold every class), or null.</returns>
    public static string? Check(ExperimentData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var classes = ClassCount(data);
        var splits = new[] { (Name: "validation", Split: data.Validation), (Name: "test", Split: data.Test) };
        foreach (var (name, split) in splits)
        {
            var (low, high) = (split.Targets.min().item<long>(), split.Targets.max().item<long>());
            if (low < 0 || high >= classes)
            {
                var problem = $"A {name} label ({(low < 0 ? low : high)}) lies outside the classes of the training labels (0 to {classes - 1}) in '{data.Name}'";
                // The classes of the training file are its two splits' (the validation split is its last part). A
                // label the training file does not hold at all is not the split's doing, whatever its size.
                var seen = Math.Max(data.Train.Targets.max().item<long>(), data.Validation.Targets.max().item<long>()) + 1;
                var (train, validation) = (data.Train.Targets.shape[0], data.Validation.Targets.shape[0]);
                var inTrainingFile = name == "validation" || data.Validation.Targets.eq(high).any().item<bool>();
                if (low >= 0 && inTrainingFile && train < MinTrainingImagesPerClass * seen)
                {
                    // A large --validation-fraction leaves a handful of training images: no sorting is needed to miss a class.
                    return string.Create(CultureInfo.InvariantCulture, $"{problem}: the training split holds only {train:N0} image(s) and the validation split {validation:N0}, too few training images to hold all {seen} classes. Lower --validation-fraction (the share of the training file held out for validation) or use more images.");
                }

                var where = name == "validation" ? " The validation split is the last part of the training file (--validation-fraction): a training file sorted by class leaves classes out of one split; shuffle it." : string.Empty;
                return $"{problem}: the data is inconsistent.{where}";
            }
        }

        return null;
    }

    /// <summary>Creates <paramref name="folder"/> if needed and checks a file can be written there; returns why not, or null.</summary>
    /// <param name="folder">The --output folder.</param>
    /// <returns>The problem, naming --output, or null.</returns>
    public static string? CheckOutput(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".write-check-{Environment.ProcessId}");
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"--output '{folder}' cannot be created or written ({ex.Message}); choose a writable folder.";
        }
    }
}
