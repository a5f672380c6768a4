using System;
using System.Buffers.Binary;
using System.IO;

namespace Dendritic;

/// <summary>
/// Checks a zip's end records (the end-of-central-directory record and, where the zip uses them, the ZIP64 locator and
/// record) before System.IO.Compression reads the central directory: that reader makes one object per record it finds,
/// up to the count the end record declares, so a file declaring millions of tiny records would cost memory and time
/// before the checkpoint reader could count them. Only the end of the file is read (at most 22 + 65,535 bytes, the
/// record and the longest comment), plus, when the end record says the zip uses ZIP64, the 20-byte ZIP64 locator before
/// it and the 56-byte ZIP64 end record the locator points to; then the central directory itself (within that cap), for
/// where its entries' local headers are.
/// </summary>
internal static class ZipCentralDirectory
{
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const int EndBytes = 22;
    private const int LocatorBytes = 20;
    private const int Zip64EndBytes = 56;
    private const uint CentralSignature = 0x02014b50;
    private const int CentralRecordBytes = 46;
    private const ushort Zip64ExtraId = 1;

    /// <summary>
    /// Throws unless the central directory declares at most <paramref name="maxEntries"/> entries in at most
    /// <paramref name="maxBytes"/> bytes, all before the end records, and puts every entry's local header before it.
    /// The stream's position is put back to 0 when it returns.
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">
    /// A count or size is over its cap, the end records are missing or point outside the file, or an entry's local header
    /// is not before the central directory.
    /// </exception>
    public static void ThrowIfOverCaps(Stream file, string path, int maxEntries, long maxBytes)
    {
        var (entries, size, offset, directoryEnd) = ReadEndRecords(file, path);
        if (entries > (ulong)maxEntries)
        {
            throw SafeTensorsFormat.Corrupted(path, $"its central directory declares {entries} entries; a checkpoint has 3, and at most {maxEntries} are read");
        }

        if (size > (ulong)maxBytes)
        {
            throw SafeTensorsFormat.Corrupted(path, $"its central directory declares {size} bytes, over the cap of {maxBytes} (a checkpoint's takes a few hundred)");
        }

        if (offset > (ulong)directoryEnd || size > (ulong)directoryEnd - offset)
        {
            throw SafeTensorsFormat.Corrupted(path, $"its central directory declares {size} bytes at offset {offset}, which do not fit before its end record at offset {directoryEnd}");
        }

        ThrowIfHeaderOutside(file, path, (long)offset, (int)size, entries);
        file.Position = 0;
    }

    // Every entry's local header has to lie before the central directory. System.IO.Compression seeks to it as a long
    // when the entry is opened: a ZIP64 offset above long.MaxValue would seek before the file's start and fail with a
    // bare IOException from the file system, which the checkpoint reader cannot tell from a failing disk. That reader
    // takes the declared number of records whatever the declared size, so the records must fill the size exactly:
    // a size that stopped short would leave records it reads unchecked here.
    private static void ThrowIfHeaderOutside(Stream file, string path, long directoryAt, int directoryBytes, ulong declared)
    {
        var directory = new byte[directoryBytes];
        file.Position = directoryAt;
        file.ReadExactly(directory);
        var at = 0;
        ulong entry = 0;
        for (; at + CentralRecordBytes <= directory.Length && BinaryPrimitives.ReadUInt32LittleEndian(directory.AsSpan(at)) == CentralSignature; entry++)
        {
            var record = directory.AsSpan(at);
            int nameBytes = BinaryPrimitives.ReadUInt16LittleEndian(record[28..]);
            int extraBytes = BinaryPrimitives.ReadUInt16LittleEndian(record[30..]);
            int commentBytes = BinaryPrimitives.ReadUInt16LittleEndian(record[32..]);
            var recordBytes = CentralRecordBytes + nameBytes + extraBytes + commentBytes;
            if (recordBytes > record.Length)
            {
                break;
            }

            var localAt = LocalHeaderOffset(record, record.Slice(CentralRecordBytes + nameBytes, extraBytes));
            if (localAt >= (ulong)directoryAt)
            {
                throw SafeTensorsFormat.Corrupted(path, $"its central directory puts entry {entry}'s local header at offset {localAt}, not before the central directory at offset {directoryAt}");
            }

            at += recordBytes;
        }

        if (entry != declared || at != directory.Length)
        {
            throw SafeTensorsFormat.Corrupted(path, $"its central directory declares {declared} entries in {directory.Length} bytes, but holds {entry} whole records in {at} bytes there");
        }
    }

    // The local header's offset as System.IO.Compression (.NET 10) reads it: the 32-bit one, or where that is saturated,
    // the one of the first ZIP64 extra field (id 1). Its 8-byte values come in the order size, compressed size, offset,
    // each present where its 32-bit field is saturated, or all of them when the field is 28 bytes or longer. A field
    // that runs past the extra data ends the search, and one too short for the offset leaves the 32-bit value.
    private static ulong LocalHeaderOffset(ReadOnlySpan<byte> record, ReadOnlySpan<byte> extra)
    {
        var offset = BinaryPrimitives.ReadUInt32LittleEndian(record[42..]);
        if (offset != uint.MaxValue)
        {
            return offset;
        }

        while (extra.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (4 + length > extra.Length)
            {
                break;
            }

            if (id == Zip64ExtraId)
            {
                var all = length >= 28;
                var at = (all || BinaryPrimitives.ReadUInt32LittleEndian(record[24..]) == uint.MaxValue ? 8 : 0)
                    + (all || BinaryPrimitives.ReadUInt32LittleEndian(record[20..]) == uint.MaxValue ? 8 : 0);
                return length >= at + 8 ? BinaryPrimitives.ReadUInt64LittleEndian(extra[(4 + at)..]) : offset;
            }

            extra = extra[(4 + length)..];
        }

        return offset;
    }

    // The entry count, size and offset of the central directory, and where the end records begin.
    private static (ulong Entries, ulong Size, ulong Offset, long DirectoryEnd) ReadEndRecords(Stream file, string path)
    {
        var length = file.Length;
        var tail = new byte[(int)Math.Min(length, EndBytes + ushort.MaxValue)];
        file.Position = length - tail.Length;
        file.ReadExactly(tail);

        // Searched backwards from the end, as System.IO.Compression does, so that both readers take the same record.
        var at = tail.Length - EndBytes;
        while (at >= 0 && BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(at)) != EndSignature)
        {
            at--;
        }

        if (at < 0)
        {
            throw new CheckpointCorruptedException($"'{path}' is not a complete Dendritic.Net checkpoint (truncated or corrupted): it has no end-of-central-directory record, the last part of a zip file. Restore it from a backup or save it again.");
        }

        var end = tail.AsSpan(at);
        var directoryEnd = length - tail.Length + at;
        ulong entries = BinaryPrimitives.ReadUInt16LittleEndian(end[10..]);
        ulong size = BinaryPrimitives.ReadUInt32LittleEndian(end[12..]);
        ulong offset = BinaryPrimitives.ReadUInt32LittleEndian(end[16..]);

        // The ZIP64 records are consulted under the same condition as System.IO.Compression's, so the count checked
        // here is the count that reader will expect; without a locator it takes the values above, and so does this.
        var zip64 = BinaryPrimitives.ReadUInt16LittleEndian(end[4..]) == ushort.MaxValue || entries == ushort.MaxValue || offset == uint.MaxValue;
        if (!zip64 || directoryEnd < LocatorBytes)
        {
            return (entries, size, offset, directoryEnd);
        }

        Span<byte> locator = stackalloc byte[LocatorBytes];
        file.Position = directoryEnd - LocatorBytes;
        file.ReadExactly(locator);
        if (BinaryPrimitives.ReadUInt32LittleEndian(locator) != Zip64LocatorSignature)
        {
            return (entries, size, offset, directoryEnd);
        }

        var recordAt = BinaryPrimitives.ReadUInt64LittleEndian(locator[8..]);
        if (directoryEnd < LocatorBytes + Zip64EndBytes || recordAt > (ulong)(directoryEnd - LocatorBytes - Zip64EndBytes))
        {
            throw SafeTensorsFormat.Corrupted(path, $"its ZIP64 end-of-central-directory locator points to offset {recordAt}, which leaves no room for the ZIP64 end record before the locator at {directoryEnd - LocatorBytes}");
        }

        Span<byte> record = stackalloc byte[Zip64EndBytes];
        file.Position = (long)recordAt;
        file.ReadExactly(record);
        if (BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64EndSignature)
        {
            throw SafeTensorsFormat.Corrupted(path, $"its ZIP64 end-of-central-directory locator points to offset {recordAt}, where there is no ZIP64 end record");
        }

        return (BinaryPrimitives.ReadUInt64LittleEndian(record[32..]), BinaryPrimitives.ReadUInt64LittleEndian(record[40..]), BinaryPrimitives.ReadUInt64LittleEndian(record[48..]), (long)recordAt);
    }
}
