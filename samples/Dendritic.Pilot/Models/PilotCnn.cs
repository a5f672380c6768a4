using System;
using static TorchSharp.torch;

namespace Dendritic.Pilot;

/// <summary>
/// The pilot's small CNN, a plain Sequential: Conv2d(channels, width, 3, padding 1) → ReLU → MaxPool 2 →
/// Conv2d(width, 2 × width, 3, padding 1) → ReLU → MaxPool 2 → flatten → Linear(2 × width × rows/4 × columns/4,
/// classes). The width is the first layer's channel count; inside a Sequential, Wrap replaces all three layers.
/// </summary>
internal static class PilotCnn
{
    /// <summary>Builds the CNN.</summary>
    /// <param name="imageShape">One image's shape: [channels, rows, columns], rows and columns at least 4.</param>
    /// <param name="width">Channels of the first convolution.</param>
    /// <param name="classes">Number of classes.</param>
    /// <returns>The model.</returns>
    public static nn.Module<Tensor, Tensor> Create(long[] imageShape, int width, long classes) => nn.Sequential(
        ("conv1", nn.Conv2d(imageShape[0], width, 3, padding: 1)),
        ("relu1", nn.ReLU()),
        ("pool1", nn.MaxPool2d(2)),
        ("conv2", nn.Conv2d(width, 2 * width, 3, padding: 1)),
        ("relu2", nn.ReLU()),
        ("pool2", nn.MaxPool2d(2)),
        ("flatten", nn.Flatten()),
        ("output", nn.Linear(2L * width * (imageShape[1] / 4) * (imageShape[2] / 4), classes)));

    /// <summary>Why images of this shape do not fit the CNN, or null when they do.</summary>
    /// <param name="imageShape">One image's shape.</param>
    /// <returns>The problem, or null.</returns>
    public static string? ShapeError(long[] imageShape) =>
        imageShape.Length == 3 && imageShape[0] > 0 && imageShape[1] >= 4 && imageShape[2] >= 4
            ? null
            : $"The CNN pools twice by 2: it needs images of [channels, rows, columns] of at least 4 × 4, not [{string.Join(", ", imageShape)}].";
}
