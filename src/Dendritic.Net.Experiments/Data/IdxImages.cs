using System;

namespace Dendritic.Experiments;

/// <summary>Greyscale images read from an IDX file: <see cref="Count"/> images of <see cref="Rows"/> × <see cref="Columns"/> bytes.</summary>
public sealed class IdxImages
{
    /// <summary>Creates the set; <paramref name="pixels"/> holds the images one after another, row by row.</summary>
    /// <param name="count">Number of images.</param>
    /// <param name="rows">Rows per image.</param>
    /// <param name="columns">Columns per image.</param>
    /// <param name="pixels">count × rows × columns bytes (0 = background, 255 = ink for MNIST).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1 (count below 0), or rows × columns exceeds <see cref="int.MaxValue"/>.</exception>
    public IdxImages(int count, int rows, int columns, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)rows * columns, int.MaxValue, "rows × columns");
        if (pixels.LongLength != (long)count * rows * columns)
        {
            throw new ArgumentException($"Expected {(long)count * rows * columns} pixels for {count} images of {rows}x{columns}, got {pixels.LongLength}.", nameof(pixels));
        }

        Count = count;
        Rows = rows;
        Columns = columns;
        Pixels = pixels;
    }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Rows per image.</summary>
    public int Rows { get; }

    /// <summary>Columns per image.</summary>
    public int Columns { get; }

    /// <summary>Pixels per image (rows × columns).</summary>
    public int PixelsPerImage => Rows * Columns;

    /// <summary>All pixels, image after image, row by row.</summary>
    public ReadOnlyMemory<byte> Pixels { get; }
}
