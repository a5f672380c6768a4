using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Text;
using FluentAssertions;
using NUnit.Framework;
using Dendritic.Testing;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// The zip's end records are checked before System.IO.Compression reads its central directory: a file that declares
/// too many entries, or a central directory too large for the file or the cap, costs a few kilobytes, not one object
/// per record.
/// </summary>
[TestFixture]
public sealed class HostileZipDirectoryTests : TempFolderTest
{
    // The refusal reads the last 64 KiB of the file and little else; reading 100,000 records took tens of megabytes.
    private const long MaxBytesPerRefusal = 2L << 20;

    // 100,000 entries need the ZIP64 end records (the classic one holds at most 65,535); 1,000 do not.
    [TestCase(100_000)]
    [TestCase(1_000)]
    public void ReadManifest_ZipWithManyEmptyEntries_ThrowsCorruptedNamingTheCountBeforeReadingThem(int count)
    {
        var path = Temp.File("many.dndt");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            for (var i = 0; i < count; i++)
            {
                zip.CreateEntry(i.ToString(System.Globalization.CultureInfo.InvariantCulture), CompressionLevel.NoCompression);
            }
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"*'{path}'*declares {count} entries*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(MaxBytesPerRefusal);
    }

    [TestCase(0x00010000u, "*central directory declares 65536 bytes at offset*do not fit before its end record*")]
    [TestCase(0x00100001u, "*central directory declares 1048577 bytes, over the cap*")]
    [TestCase(0xFFFFFFFFu, "*central directory declares 4294967295 bytes, over the cap*")]
    public void ReadManifest_CentralDirectorySizeOverTheFileOrTheCap_ThrowsCorruptedNamingTheSize(uint size, string expected)
    {
        var path = Temp.File("big-directory.dndt");
        CheckpointForge.Write(path, ("manifest.json", Encoding.UTF8.GetBytes("{}")));
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 22 + 12), size);
        File.WriteAllBytes(path, bytes);

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage(expected);
    }

    [Test]
    public void ReadManifest_NoEndOfCentralDirectory_ThrowsCorruptedSayingItIsTruncated()
    {
        var path = Temp.File("cut.dndt");
        CheckpointForge.Write(path, ("manifest.json", Encoding.UTF8.GetBytes("{}")));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^22]);

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*truncated or corrupted*no end-of-central-directory record*");
    }

    [Test]
    public void ReadManifest_Zip64LocatorPointingPastTheFile_ThrowsCorrupted()
    {
        var path = Temp.File("zip64.dndt");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            for (var i = 0; i < 70_000; i++)
            {
                zip.CreateEntry(i.ToString(System.Globalization.CultureInfo.InvariantCulture), CompressionLevel.NoCompression);
            }
        }

        var bytes = File.ReadAllBytes(path);
        var locator = bytes.Length - 22 - 20;
        BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(locator)).Should().Be(0x07064b50u, "the writer puts the ZIP64 locator right before the end record");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(locator + 8), ulong.MaxValue - 5);
        File.WriteAllBytes(path, bytes);

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*ZIP64*");
    }
}
