using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace Dendritic.Experiments.Tests.Support;

/// <summary>Builds small IDX files for the reader tests.</summary>
internal static class IdxFiles
{
    public static byte[] Images(int count, int rows, int columns, Func<int, byte>? pixel = null)
    {
        var bytes = new byte[16 + (count * rows * columns)];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        for (var i = 16; i < bytes.Length; i++)
        {
            bytes[i] = pixel?.Invoke(i - 16) ?? (byte)((i - 16) % 256);
        }

        return bytes;
    }

    public static byte[] Labels(params byte[] labels)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x801);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes, 8);
        return bytes;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    /// <summary>Writes an MNIST-layout folder with <paramref name="train"/> and <paramref name="test"/> 4×4 images, labels i mod 3.</summary>
    public static void WriteFolder(string folder, int train, int test, bool gzip = true)
    {
        void Write(string name, byte[] bytes) => File.WriteAllBytes(Path.Combine(folder, name + (gzip ? ".gz" : string.Empty)), gzip ? Gzip(bytes) : bytes);
        Write("train-images-idx3-ubyte", Images(train, 4, 4));
        Write("train-labels-idx1-ubyte", Labels(LabelsFor(train)));
        Write("t10k-images-idx3-ubyte", Images(test, 4, 4));
        Write("t10k-labels-idx1-ubyte", Labels(LabelsFor(test)));
    }

    private static byte[] LabelsFor(int count)
    {
        var labels = new byte[count];
        for (var i = 0; i < count; i++)
        {
            labels[i] = (byte)(i % 3);
        }

        return labels;
    }
}
