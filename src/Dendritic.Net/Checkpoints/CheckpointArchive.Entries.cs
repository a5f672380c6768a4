using System;
using System.IO.Compression;

namespace Dendritic;

/// <content>Finding an entry and checking its declared sizes before a byte of it is read.</content>
internal sealed partial class CheckpointArchive
{
    private ZipArchiveEntry Entry(string name, long cap, string? capName)
    {
        var entry = _zip.GetEntry(name) ?? throw Corrupted($"entry '{name}' is missing: the checkpoint is incomplete");
        if (entry.CompressedLength < 0 || entry.CompressedLength > _file.Length)
        {
            throw Corrupted($"entry '{name}' declares {entry.CompressedLength} stored bytes in a {_file.Length}-byte file");
        }

        if (entry.Length < 0 || entry.Length > checked((entry.CompressedLength * MaxDeflateRatio) + 64))
        {
            throw Corrupted($"entry '{name}' declares {entry.Length} bytes, more than its {entry.CompressedLength} stored bytes can hold");
        }

        if (entry.Length > cap)
        {
            throw Corrupted($"entry '{name}' is {entry.Length} bytes, over the cap of {cap}{(capName is null ? string.Empty : $" (CheckpointLoadOptions.{capName})")}");
        }

        return entry;
    }

    /// <summary>
    /// <see cref="Entry"/> for the large entries, which <see cref="DendriteCheckpoint"/> stores uncompressed: one that
    /// is not costs up to 1,032 times its stored size to inflate (a 1 MB entry of a gigabyte of zeros, hashed for
    /// seconds), so reading one is bounded by the file's size only when it is stored.
    /// </summary>
    private ZipArchiveEntry StoredEntry(string name, long cap, string capName)
    {
        var entry = Entry(name, cap, capName);
        if (entry.CompressedLength != entry.Length)
        {
            throw Corrupted($"entry '{name}' is compressed ({entry.CompressedLength} bytes stored for {entry.Length}); Dendritic.Net stores weights and optimizer state uncompressed, so this file was not written by DendriteCheckpoint.Save");
        }

        return entry;
    }

    // Small entries are read whole, after the size checks, and only up to their declared size.
    private byte[] ReadSmall(string name, long cap, string? capName)
    {
        var entry = Entry(name, cap, capName);
        var bytes = new byte[entry.Length];
        using var stream = entry.Open();
        stream.ReadExactly(bytes);
        Span<byte> probe = stackalloc byte[1];
        if (stream.Read(probe) != 0)
        {
            throw Corrupted($"entry '{name}' holds more than its declared {entry.Length} bytes");
        }

        if (Crc32.Compute(bytes) != entry.Crc32)
        {
            throw Corrupted($"entry '{name}' fails its CRC-32 check");
        }

        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw Corrupted($"entry '{name}' is not valid UTF-8");
        }

        return bytes;
    }
}
