using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace Dendritic.Experiments;

/// <summary>
/// Reads the IDX files of MNIST and Fashion-MNIST (unsigned-byte images and labels), plain or gzip-compressed (detected
/// from the content, not the name). Files are untrusted input: sizes come from the header with checked arithmetic
/// and are checked against the file's real size (for gzip, against the most its compressed bytes can expand to)
/// before anything is allocated; the data are then read into one buffer of exactly the checked size, so the most a
/// file can take is the size its header declares (at most <see cref="Array.MaxLength"/> bytes, and for gzip at most
/// 1,032 times the file's size, and past 64 MiB at most 64 times); decompression stops one byte past what the header promises; a gzip's CRC-32 and size
/// trailer must match, and a gzip that ends early is called truncated. Malformed files raise
/// <see cref="IdxFormatException"/> naming the file.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an unsigned-byte, three-dimensional IDX file (images).</summary>
    public static int ImagesMagic => 0x00000803;

    /// <summary>Magic number of an unsigned-byte, one-dimensional IDX file (labels).</summary>
    public static int LabelsMagic => 0x00000801;

    // Deflate cannot expand data by more than 1032 to 1: a header promising more than that is not telling the truth.
    private const long MaxDeflateRatio = 1032;

    // Within deflate's limit a 4 MB file may still hold 4 GB, which a loaded folder holds several times over (float
    // pixels, int64 labels). Image data compresses far less (MNIST's images 4.7 to 1, Fashion-MNIST's 1.8 to 1), so
    // past 64 MiB a gzip may expand 64 to 1 at most: memory then follows the bytes on disk.
    private const long MaxGzipRatio = 64;
    private const long GzipAnyRatioBytes = 64L << 20;

    /// <summary>Reads an images file (magic 0x00000803).</summary>
    /// <param name="path">Path to the file, plain or gzip.</param>
    /// <returns>The images.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IdxFormatException">Wrong magic number, implausible sizes, a corrupt gzip stream, fewer or more bytes than the header promises, or 0 bytes (an empty file, or a pipe or device under the name, which is not opened).</exception>
    public static IdxImages ReadImages(string path)
    {
        var (dims, pixels) = Read(path, ImagesMagic, 3, "an images file (idx3-ubyte)");
        var (count, rows, columns) = (dims[0], dims[1], dims[2]);
        if (rows < 1 || columns < 1)
        {
            throw new IdxFormatException(path, $"image size {rows}x{columns} must be at least 1x1.");
        }

        return new IdxImages(count, rows, columns, pixels);
    }

    /// <summary>Reads a labels file (magic 0x00000801).</summary>
    /// <param name="path">Path to the file, plain or gzip.</param>
    /// <returns>One byte per label.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IdxFormatException">Wrong magic number, a corrupt gzip stream, fewer or more bytes than the header promises, or 0 bytes (an empty file, or a pipe or device under the name, which is not opened).</exception>
    public static byte[] ReadLabels(string path) => Read(path, LabelsMagic, 1, "a labels file (idx1-ubyte)").Data;

    private static (int[] Dims, byte[] Data) Read(string path, int magic, int dimensions, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (FileSizeBeforeOpen.Of(path) is not { } size)
        {
            throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        }

        // Sized before it is opened: a FIFO under the name would block the open until a writer came, for ever, and a
        // device read without end; both have the size 0, as an empty file does, and no header fits in 0 bytes.
        if (size == 0)
        {
            throw new IdxFormatException(path, $"it has 0 bytes (an empty file, or a pipe or device under the name), so it holds no header of {what}.");
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var gzip = file.Length >= 2 && file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        using var stream = gzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : (Stream)file;
        try
        {
            var dims = ReadHeader(path, stream, gzip ? file : null, magic, dimensions, what);
            var headerLength = 4 + (4 * dimensions);
            long expected = 1;
            foreach (var d in dims)
            {
                expected = d == 0 || expected <= Array.MaxLength / d ? expected * d : long.MaxValue;
            }

            if (dimensions == 3 && (long)dims[1] * dims[2] > int.MaxValue)
            {
                throw new IdxFormatException(path, $"image size {dims[1]}x{dims[2]} has more pixels than an image can hold.");
            }

            if (expected > Array.MaxLength)
            {
                throw new IdxFormatException(path, $"the header's dimensions [{string.Join(", ", dims)}] describe more than {Array.MaxLength} bytes, more than this reader holds.");
            }

            if (!gzip && expected != file.Length - headerLength)
            {
                var available = file.Length - headerLength;
                throw new IdxFormatException(path, available < expected
                    ? $"the header promises {expected} data bytes but only {available} follow: the file is truncated. Download it again."
                    : $"the header promises {expected} data bytes but {available} follow: the header does not match the data.");
            }

            if (gzip && expected > file.Length * MaxDeflateRatio)
            {
                throw new IdxFormatException(path, $"the header promises {expected} data bytes, more than its {file.Length} gzip bytes can hold: the file is corrupted. Download it again.");
            }

            if (gzip && expected > Math.Max(GzipAnyRatioBytes, file.Length * MaxGzipRatio))
            {
                throw new IdxFormatException(path, $"the header promises {expected} data bytes from {file.Length} gzip bytes, {expected / file.Length} to 1: image data compresses far less, and past 64 MiB this reader takes at most 64 to 1, so that a small file cannot make a load hold gigabytes. If the file is genuine, decompress it first (gunzip): a plain file loads at its size.");
            }

            var (data, read) = ReadData(stream, (int)expected);
            if (read < expected)
            {
                ThrowIfGzipEndsEarly(path, gzip ? file : null, headerLength + read);
                throw new IdxFormatException(path, $"the header promises {expected} data bytes but only {read} follow: the file is truncated. Download it again.");
            }

            if (stream.ReadByte() >= 0)
            {
                throw new IdxFormatException(path, $"the header promises {expected} data bytes but more follow: the header does not match the data.");
            }

            if (gzip)
            {
                CheckGzipSize(path, file, headerLength + expected);
            }

            return (dims, data);
        }
        catch (InvalidDataException ex)
        {
            throw new IdxFormatException(path, $"its gzip stream is corrupt (damaged data, or a CRC-32 that does not match) ({ex.Message}). Download it again.", ex);
        }
    }

    /// <summary>
    /// Reads up to <paramref name="expected"/> bytes into one buffer of that size, allocated once. It used to start at
    /// 1 MiB and double while a gzip decompressed, so that a header's unkept promise cost little; but every doubling
    /// held the old buffer and the new one at once, and a 1.9 MB gzip that did hold the 2 GB its header declared (within
    /// the caps) peaked near 3 GB. The caller has checked the size against the caps, so the exact size is the bound.
    /// The array is not zeroed: its pages are written as data arrive, and on a short read it is never returned.
    /// </summary>
    private static (byte[] Data, int Read) ReadData(Stream stream, int expected)
    {
        var data = GC.AllocateUninitializedArray<byte>(expected);
        var read = stream.ReadAtLeast(data, expected, throwOnEndOfStream: false);
        return (data, read);
    }

    /// <summary>
    /// After a short read from a gzip (<paramref name="gzipFile"/>; null for a plain file): a stream that stops without a
    /// trailer matching what it gave is a cut or damaged download, and saying so beats "too few bytes". .NET's gzip
    /// reader ends such a stream quietly, with no error.
    /// </summary>
    private static void ThrowIfGzipEndsEarly(string path, FileStream? gzipFile, long decompressed)
    {
        if (gzipFile is null)
        {
            return;
        }

        Span<byte> trailer = stackalloc byte[4];
        if (gzipFile.Length >= 18)
        {
            gzipFile.Position = gzipFile.Length - 4;
            gzipFile.ReadExactly(trailer);
            if (BinaryPrimitives.ReadUInt32LittleEndian(trailer) == (uint)decompressed)
            {
                // A whole gzip of a short file: the caller's message about the IDX content fits.
                return;
            }
        }

        throw new IdxFormatException(path, $"its gzip stream ends early, after {decompressed} decompressed bytes: the file is truncated or corrupted. Download it again.");
    }

    // The gzip reader checks the CRC-32 when the trailer is there but accepts a stream that ends without one; the
    // last four bytes must be the size of what was decompressed (modulo 2^32, one member expected).
    private static void CheckGzipSize(string path, FileStream file, long decompressed)
    {
        Span<byte> trailer = stackalloc byte[4];
        if (file.Length < 18)
        {
            throw new IdxFormatException(path, "its gzip stream is shorter than a gzip header and trailer.");
        }

        file.Position = file.Length - 4;
        file.ReadExactly(trailer);
        if (BinaryPrimitives.ReadUInt32LittleEndian(trailer) != (uint)decompressed)
        {
            throw new IdxFormatException(path, "its gzip trailer is missing or does not match the data (a single-member gzip is expected): the file is truncated or corrupted. Download it again.");
        }
    }

    private static int[] ReadHeader(string path, Stream stream, FileStream? gzipFile, int magic, int dimensions, string what)
    {
        var headerLength = 4 + (4 * dimensions);
        var header = new byte[headerLength];
        var read = stream.ReadAtLeast(header, headerLength, throwOnEndOfStream: false);
        if (read < 4)
        {
            ThrowIfGzipEndsEarly(path, gzipFile, read);
            throw new IdxFormatException(path, $"it has {read} bytes, too few for the magic number of {what}.");
        }

        var actual = BinaryPrimitives.ReadInt32BigEndian(header);
        if (actual != magic)
        {
            var hint = actual == (magic == ImagesMagic ? LabelsMagic : ImagesMagic)
                ? " It looks like the other kind of IDX file: are the images and labels files swapped?"
                : string.Empty;
            throw new IdxFormatException(path, $"magic number 0x{actual:X8} where {what} has 0x{magic:X8}.{hint}");
        }

        if (read < headerLength)
        {
            ThrowIfGzipEndsEarly(path, gzipFile, read);
            throw new IdxFormatException(path, $"it has {read} bytes, fewer than the {headerLength}-byte header of {what}.");
        }

        var dims = new int[dimensions];
        for (var d = 0; d < dimensions; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 + (4 * d)));
            if (dims[d] < 0)
            {
                throw new IdxFormatException(path, $"dimension {d} is {dims[d]}, which is negative.");
            }
        }

        return dims;
    }
}
