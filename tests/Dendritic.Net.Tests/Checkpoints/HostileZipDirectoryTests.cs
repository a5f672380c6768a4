using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using FluentAssertions;
using NUnit.Framework;
using Dendritic.Testing;
using Dendritic.Tests.Support;

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

    // System.IO.Compression seeks to a local header as a long: an offset above long.MaxValue seeked before the file's
    // start and escaped as a bare IOException ("Invalid argument"), which a caller cannot tell from a failing disk.
    [TestCase("manifest.json")]
    [TestCase("weights.safetensors")]
    public void Load_Zip64LocalHeaderOffsetBeyondAnyFile_ThrowsCorruptedNamingTheEntryOffset(string entry)
    {
        var path = Temp.File("zip64-offset.dndt");
        DendriteCheckpoint.Save(Dendrites.Wrap(TestModels.Mlp()), path);
        WithZip64LocalHeaderOffset(path, entry, 0xFFFF_FFFF_FFFF_FF00ul);

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"*'{path}'*local header at offset {0xFFFF_FFFF_FFFF_FF00ul}, not before the central directory*");
    }

    // System.IO.Compression reads the declared number of records whatever the declared size: a size that stopped before
    // the patched record left it unchecked, and the bare IOException came back (found in review).
    [TestCase("manifest.json")]
    [TestCase("checksums.sha256")]
    public void Load_DirectorySizeStoppingBeforeAHostileRecord_ThrowsCorruptedNamingCountAndSize(string entry)
    {
        var path = Temp.File("understated.dndt");
        DendriteCheckpoint.Save(Dendrites.Wrap(TestModels.Mlp()), path);
        WithZip64LocalHeaderOffset(path, entry, 0xFFFF_FFFF_FFFF_FF00ul, understateDirectory: true);

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"*'{path}'*central directory declares 3 entries in * bytes, but holds * whole records in * bytes there*");
    }

    // .NET 10 reads a ZIP64 extra field of 28 bytes or more as holding every value, the offset at its byte 16 even when
    // only the offset is saturated; a file that reader opens must not be refused for a size at byte 0 (found in review).
    [Test]
    public void Load_Zip64FieldWithEveryValueAndOnlyTheOffsetSaturated_LoadsAsTheZipReaderReadsIt()
    {
        var path = Temp.File("all-fields.dndt");
        var handle = Dendrites.Wrap(TestModels.Mlp());
        DendriteCheckpoint.Save(handle, path);
        var bytes = File.ReadAllBytes(path);
        var at = Enumerable.Range(0, bytes.Length - 46).First(i => BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i)) == 0x02014b50 && bytes.AsSpan(i + 46).StartsWith("manifest.json"u8));
        var real = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 42));
        var extra = new byte[32];
        BinaryPrimitives.WriteUInt16LittleEndian(extra, 0x0001);
        BinaryPrimitives.WriteUInt16LittleEndian(extra.AsSpan(2), 28);
        BinaryPrimitives.WriteUInt64LittleEndian(extra.AsSpan(4), 0x7FFF_FFFF_0000ul);   // a size no file has, not read
        BinaryPrimitives.WriteUInt64LittleEndian(extra.AsSpan(20), real);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 42), uint.MaxValue);
        var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 30));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at + 30), (ushort)(extraLength + extra.Length));
        var insertAt = at + 46 + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 28)) + extraLength;
        var patched = bytes[..insertAt].Concat(extra).Concat(bytes[insertAt..]).ToArray();
        var end = patched.Length - 22;
        BinaryPrimitives.WriteUInt32LittleEndian(patched.AsSpan(end + 12), BinaryPrimitives.ReadUInt32LittleEndian(patched.AsSpan(end + 12)) + (uint)extra.Length);
        File.WriteAllBytes(path, patched);

        var loaded = DendriteCheckpoint.Load(TestModels.Mlp(), path);

        loaded.Manifest.Layers.Should().HaveCount(2);
    }

    [Test]
    public void Load_LocalHeaderOffsetPastTheDirectory_ThrowsCorruptedBeforeTheZipReaderSeeks()
    {
        var path = Temp.File("offset.dndt");
        DendriteCheckpoint.Save(Dendrites.Wrap(TestModels.Mlp()), path);
        CheckpointForge.PatchCentral(path, "weights.safetensors", 42, 0x7FFF_FFF0u);

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*local header at offset 2147483632*");
    }

    /// <summary>
    /// Gives <paramref name="entry"/>'s central-directory record a local-header offset of 0xFFFFFFFF and a ZIP64 extra
    /// field holding <paramref name="offset"/> (a valid ZIP64 encoding of an offset no file has), fixing the end record.
    /// </summary>
    private static void WithZip64LocalHeaderOffset(string path, string entry, ulong offset, bool understateDirectory = false)
    {
        var bytes = File.ReadAllBytes(path);
        var name = Encoding.ASCII.GetBytes(entry);
        var at = Enumerable.Range(0, bytes.Length - 46).First(i => BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i)) == 0x02014b50 && bytes.AsSpan(i + 46).StartsWith(name));
        var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 28));
        var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 30));
        var extra = new byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(extra, 0x0001);
        BinaryPrimitives.WriteUInt16LittleEndian(extra.AsSpan(2), 8);
        BinaryPrimitives.WriteUInt64LittleEndian(extra.AsSpan(4), offset);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 42), uint.MaxValue);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at + 30), (ushort)(extraLength + extra.Length));
        var insertAt = at + 46 + nameLength + extraLength;
        var patched = bytes[..insertAt].Concat(extra).Concat(bytes[insertAt..]).ToArray();
        var end = patched.Length - 22;
        while (BinaryPrimitives.ReadUInt32LittleEndian(patched.AsSpan(end)) != 0x06054b50)
        {
            end--;
        }

        var size = BinaryPrimitives.ReadUInt32LittleEndian(patched.AsSpan(end + 12));
        var directoryAt = BinaryPrimitives.ReadUInt32LittleEndian(patched.AsSpan(end + 16));

        // Understated, the directory as declared ends where the patched record starts.
        BinaryPrimitives.WriteUInt32LittleEndian(patched.AsSpan(end + 12), understateDirectory ? (uint)(at - directoryAt) : size + (uint)extra.Length);
        File.WriteAllBytes(path, patched);
    }
}
