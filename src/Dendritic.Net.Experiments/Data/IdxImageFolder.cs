using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// Loads a folder laid out like the MNIST distribution (<c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>,
/// <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c>, each optionally ending in <c>.gz</c>), as MNIST and
/// Fashion-MNIST ship. Pixels are scaled to [0, 1]; images become [N, 1, rows, columns] float32 tensors.
/// </summary>
public static class IdxImageFolder
{
    /// <summary>The four base file names the folder must hold (each may also end in .gz). Read-only.</summary>
    public static IReadOnlyList<string> FileNames { get; } = Array.AsReadOnly(new[]
    {
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
    });

    /// <summary>The four files <see cref="Load"/> reads from <paramref name="folder"/>, in <see cref="FileNames"/> order (the .gz one where both exist).</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>The paths.</returns>
    /// <exception cref="FileNotFoundException">A file is missing; the message lists the expected names.</exception>
    public static IReadOnlyList<string> Files(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        return FileNames.Select(n => Find(folder, n)).ToArray();
    }

    /// <summary>
    /// Loads the folder. The validation split is the last <paramref name="validationFraction"/> of the training files
    /// (fixed, never shuffled in); the rest is training; the t10k files are the test split.
    /// </summary>
    /// <param name="folder">The folder.</param>
    /// <param name="validationFraction">Share of the training file held out for validation, in (0, 1). Default 0.125.</param>
    /// <param name="name">Name for reports; the folder name when null.</param>
    /// <returns>The data set, on the CPU.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing; the message lists the expected names.</exception>
    /// <exception cref="IdxFormatException">A file is malformed, a split's images and labels files hold different numbers of items (the message names both files and both counts), or a split's files hold no images (the message names the images file).</exception>
    /// <exception cref="ArgumentException">A validation fraction outside (0, 1), or one that leaves no image for validation or for training.</exception>
    public static ExperimentData Load(string folder, double validationFraction = 0.125, string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!double.IsFinite(validationFraction) || validationFraction <= 0 || validationFraction >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must lie strictly between 0 and 1 (default 0.125).");
        }

        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException(File.Exists(folder)
                ? $"Data folder '{folder}' is a file; give the folder that holds {string.Join(", ", FileNames)} (optionally .gz)."
                : $"Data folder '{folder}' does not exist. It must hold {string.Join(", ", FileNames)} (optionally .gz).");
        }

        var paths = Files(folder);
        var (trainImages, trainLabels) = Read("training", paths[0], paths[1]);
        var (testImages, testLabels) = Read("test", paths[2], paths[3]);
        if (trainImages.Rows != testImages.Rows || trainImages.Columns != testImages.Columns)
        {
            throw new IdxFormatException(paths[2], $"its images are {testImages.Rows}x{testImages.Columns} but the training images are {trainImages.Rows}x{trainImages.Columns}.");
        }

        var validationCount = (int)Math.Round(trainImages.Count * validationFraction);
        var trainCount = trainImages.Count - validationCount;
        if (validationCount < 1 || trainCount < 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The training file '{paths[0]}' holds {trainImages.Count} image(s): too few to hold out {validationFraction:P1} for validation and keep some for training. Use more images or another validation fraction."), nameof(validationFraction));
        }

        var trainInputs = ToInputs(trainImages);
        var trainTargets = ToTargets(trainLabels);
        var train = new DataSplit(trainInputs.narrow(0, 0, trainCount).contiguous(), trainTargets.narrow(0, 0, trainCount).contiguous());
        var validation = new DataSplit(trainInputs.narrow(0, trainCount, validationCount).contiguous(), trainTargets.narrow(0, trainCount, validationCount).contiguous());
        var test = new DataSplit(ToInputs(testImages), ToTargets(testLabels));
        trainInputs.Dispose();
        trainTargets.Dispose();
        return new ExperimentData(name ?? Path.GetFileName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar)), train, validation, test);
    }

    private static string Find(string folder, string baseName)
    {
        foreach (var candidate in new[] { baseName + ".gz", baseName })
        {
            var path = Path.Combine(folder, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        // Some mirrors use a dot before "idx" (train-images.idx3-ubyte); accept that spelling too.
        var dotted = baseName.Replace("-idx", ".idx", StringComparison.Ordinal);
        foreach (var candidate in new[] { dotted + ".gz", dotted })
        {
            var path = Path.Combine(folder, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"Data folder '{folder}' has no '{baseName}' (nor '{baseName}.gz'). It must hold {string.Join(", ", FileNames)}, as MNIST and Fashion-MNIST ship them.", Path.Combine(folder, baseName));
    }

    private static (IdxImages Images, byte[] Labels) Read(string split, string imagesPath, string labelsPath)
    {
        var images = IdxReader.ReadImages(imagesPath);
        var labels = IdxReader.ReadLabels(labelsPath);
        if (images.Count != labels.Length)
        {
            // Each file agrees with its own header, so neither is malformed alone and either may be the odd one out:
            // blaming the labels file sent users to fix a file that was often right.
            throw new IdxFormatException(string.Create(CultureInfo.InvariantCulture, $"The {split} split's files disagree: the images file '{imagesPath}' holds {images.Count:N0} images but the labels file '{labelsPath}' holds {labels.Length:N0} labels, and each image needs its label, in the same order. Take both files from one download of the data set, or rewrite whichever of the two has the wrong count."));
        }

        if (images.Count == 0)
        {
            // Both files agree on nothing: ExperimentData would refuse the empty split with an ArgumentException that
            // names neither file.
            throw new IdxFormatException(imagesPath, $"its header declares 0 images (and the labels file 0 labels); the {split} split needs at least one. Take both files from a complete download of the data set.");
        }

        return (images, labels);
    }

    // Converted by libtorch from a byte tensor (TorchSharp 0.107 copies the array into it): a float[] in .NET beside the
    // float tensor had held each pixel's 4 bytes twice, about 9 bytes per pixel at the peak against 6 now. float(b) / 255
    // is rounded once in both, so the values are those the loop computed, bit for bit.
    private static Tensor ToInputs(IdxImages images)
    {
        using var bytes = tensor(WholeArray(images.Pixels), new long[] { images.Count, 1, images.Rows, images.Columns });
        return bytes.to(ScalarType.Float32).div_(255f);
    }

    // Class indices as cross-entropy takes them (int64), widened by libtorch rather than through a long[] in .NET.
    private static Tensor ToTargets(byte[] labels)
    {
        using var bytes = tensor(labels);
        return bytes.to(ScalarType.Int64);
    }

    private static byte[] WholeArray(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length ? segment.Array : memory.ToArray();
}
