using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace Dendritic.Experiments;

/// <summary>
/// Reads the IDX files of MNIST and Fashion-MNIST (unsigned-byte images and labels), plain or gzip-compressed (detected
/// from the content, not the name). Malformed files raise <see cref="IdxFormatException"/> naming the file.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an unsigned-byte, three-dimensional IDX file (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an unsigned-byte, one-dimensional IDX file (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Reads an images file (magic 0x00000803).</summary>
    /// <param name="path">Path to the file, plain or gzip.</param>
    /// <returns>The images.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IdxFormatException">Wrong magic number, implausible sizes, or fewer bytes than the header promises.</exception>
    public static IdxImages ReadImages(string path)
    {
        var bytes = ReadAll(path);
        var dims = ReadHeader(path, bytes, ImagesMagic, 3, "an images file (idx3-ubyte)");
        var count = dims[0];
        var rows = dims[1];
        var columns = dims[2];
        if (rows < 1 || columns < 1)
        {
            throw new IdxFormatException(path, $"image size {rows}x{columns} must be at least 1x1.");
        }

        var expected = (long)count * rows * columns;
        var pixels = Payload(path, bytes, 16, expected);
        return new IdxImages(count, rows, columns, pixels);
    }

    /// <summary>Reads a labels file (magic 0x00000801).</summary>
    /// <param name="path">Path to the file, plain or gzip.</param>
    /// <returns>One byte per label.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IdxFormatException">Wrong magic number, or fewer bytes than the header promises.</exception>
    public static byte[] ReadLabels(string path)
    {
        var bytes = ReadAll(path);
        var dims = ReadHeader(path, bytes, LabelsMagic, 1, "a labels file (idx1-ubyte)");
        return Payload(path, bytes, 8, dims[0]);
    }

    private static byte[] ReadAll(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        }

        var raw = File.ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1f || raw[1] != 0x8b)
        {
            return raw;
        }

        try
        {
            using var input = new MemoryStream(raw);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException ex)
        {
            throw new IdxFormatException($"'{path}' is not a valid IDX file: its gzip stream is corrupt or truncated ({ex.Message}).", ex);
        }
    }

    private static int[] ReadHeader(string path, byte[] bytes, int magic, int dimensions, string what)
    {
        if (bytes.Length < 4)
        {
            throw new IdxFormatException(path, $"it has {bytes.Length} bytes, too few for the magic number of {what}.");
        }

        var actual = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (actual != magic)
        {
            var hint = actual == (magic == ImagesMagic ? LabelsMagic : ImagesMagic)
                ? " It looks like the other kind of IDX file: are the images and labels files swapped?"
                : string.Empty;
            throw new IdxFormatException(path, $"magic number 0x{actual:X8} where {what} has 0x{magic:X8}.{hint}");
        }

        var headerLength = 4 + (4 * dimensions);
        if (bytes.Length < headerLength)
        {
            throw new IdxFormatException(path, $"it has {bytes.Length} bytes, fewer than the {headerLength}-byte header of {what}.");
        }

        var dims = new int[dimensions];
        for (var d = 0; d < dimensions; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + (4 * d)));
            if (dims[d] < 0)
            {
                throw new IdxFormatException(path, $"dimension {d} is {dims[d]}, which is negative.");
            }
        }

        return dims;
    }

    private static byte[] Payload(string path, byte[] bytes, int offset, long expected)
    {
        var available = bytes.LongLength - offset;
        if (available < expected)
        {
            throw new IdxFormatException(path, $"the header promises {expected} data bytes but only {available} follow: the file is truncated. Download it again.");
        }

        if (available > expected)
        {
            throw new IdxFormatException(path, $"the header promises {expected} data bytes but {available} follow: the header does not match the data.");
        }

        return bytes.AsSpan(offset).ToArray();
    }
}
