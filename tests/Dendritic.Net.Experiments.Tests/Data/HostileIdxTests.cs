using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Dendritic.Experiments.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using Dendritic.Testing;

namespace Dendritic.Experiments.Tests.Data;

/// <summary>IDX files are untrusted input: each case here loaded garbage, overflowed or ran out of memory before.</summary>
[TestFixture]
public sealed class HostileIdxTests
{
    [Test]
    public void ReadImages_CountTimesSizeWraps_ThrowsNamingTheFile()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("images"), Header(IdxReader.ImagesMagic, 1 << 30, 1 << 17, 1 << 17));

        var act = () => IdxReader.ReadImages(temp.File("images"));

        act.Should().Throw<IdxFormatException>().WithMessage($"*{temp.File("images")}*");
    }

    [Test]
    public void ReadImages_RowsTimesColumnsOverflowsInt_ThrowsIdxFormat()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("images"), Header(IdxReader.ImagesMagic, 0, 65536, 65536));

        var act = () => IdxReader.ReadImages(temp.File("images"));

        act.Should().Throw<IdxFormatException>().WithMessage("*65536x65536*");
    }

    [Test]
    public void ReadImages_GzipBombBehindSmallHeader_StopsAfterThePromisedBytes()
    {
        using var temp = new TempFolder();
        var bomb = Header(IdxReader.ImagesMagic, 1, 2, 2).Concat(new byte[64 << 20]).ToArray();
        File.WriteAllBytes(temp.File("bomb.gz"), IdxFiles.Gzip(bomb));
        var before = GC.GetAllocatedBytesForCurrentThread();

        var act = () => IdxReader.ReadImages(temp.File("bomb.gz"));

        act.Should().Throw<IdxFormatException>().WithMessage("*bomb.gz*more follow*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(8L << 20);
    }

    [Test]
    public void ReadImages_GzipHeaderPromisesMoreThanItCanHold_ThrowsBeforeAllocating()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("big.gz"), IdxFiles.Gzip(Header(IdxReader.ImagesMagic, 1_000_000, 28, 28)));
        var before = GC.GetAllocatedBytesForCurrentThread();

        var act = () => IdxReader.ReadImages(temp.File("big.gz"));

        act.Should().Throw<IdxFormatException>().WithMessage("*big.gz*gzip bytes can hold*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(8L << 20);
    }

    [Test]
    public void ReadImages_GzipPromisingMoreThanFollows_AllocatesThePromiseOnceAndSaysTruncated()
    {
        // 200 KB of incompressible data behind a header promising 60 MB: within the caps, so only reading finds out. The
        // promise is allocated, once: never more.
        using var temp = new TempFolder();
        var data = new byte[200 << 10];
        new Random(7).NextBytes(data);
        File.WriteAllBytes(temp.File("promise.gz"), IdxFiles.Gzip(Header(IdxReader.ImagesMagic, 76_530, 28, 28).Concat(data).ToArray()));
        var before = GC.GetAllocatedBytesForCurrentThread();

        var act = () => IdxReader.ReadImages(temp.File("promise.gz"));

        act.Should().Throw<IdxFormatException>().WithMessage($"*promise.gz*promises 59999520 data bytes but only {data.Length} follow*truncated*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(59_999_520L + (8L << 20), "the promise is allocated once");
    }

    [Test]
    public void ReadImages_SmallGzipPromisingGigabytes_ThrowsBeforeAllocatingSayingToDecompressIt()
    {
        // Within deflate's 1,032 to 1, 200 KB could still promise 200 MB, and a loaded folder holds that several times
        // over: 194 KB of gzip made a load allocate 2.6 GB (found in a review of hostile files).
        using var temp = new TempFolder();
        var data = new byte[200 << 10];
        new Random(7).NextBytes(data);
        File.WriteAllBytes(temp.File("promise.gz"), IdxFiles.Gzip(Header(IdxReader.ImagesMagic, 255_102, 28, 28).Concat(data).ToArray()));
        var before = GC.GetAllocatedBytesForCurrentThread();

        var act = () => IdxReader.ReadImages(temp.File("promise.gz"));

        act.Should().Throw<IdxFormatException>().WithMessage("*promise.gz*promises 199999968 data bytes from * gzip bytes, * to 1*decompress it first (gunzip)*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(8L << 20);
    }

    [Test]
    public void ReadLabels_LargeGzip_AllocatesTheDeclaredSizeOnce()
    {
        // The data buffer used to start at 1 MiB and double: 1 + 2 + ... + 32 + 40 MiB allocated for 40 MiB of data,
        // and at the last doubling the old and the new buffer were held at once (a 2 GB file peaked near 3 GB).
        using var temp = new TempFolder();
        const int count = 40 << 20;
        File.WriteAllBytes(temp.File("labels.gz"), IdxFiles.Gzip(Header(IdxReader.LabelsMagic, count).Concat(new byte[count]).ToArray()));
        var before = GC.GetAllocatedBytesForCurrentThread();

        var labels = IdxReader.ReadLabels(temp.File("labels.gz"));

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(count + (4L << 20), "one buffer of the declared size");
        labels.Should().HaveCount(count);
    }

    // Cut one byte into the deflate data, before the magic number decompresses (it said "it has 0 bytes, too few for
    // the magic number"), and cut in half (null), in the data.
    [TestCase(2000, 11)]
    [TestCase(2000, null)]
    [TestCase(3, null)]
    public void ReadImages_GzipCutShort_SaysItIsTruncated(int count, int? keep)
    {
        using var temp = new TempFolder();
        var gz = IdxFiles.Gzip(IdxFiles.Images(count, 28, 28, i => (byte)(i * 31 % 251)));
        File.WriteAllBytes(temp.File("images.gz"), gz[..(keep ?? (gz.Length / 2))]);

        var act = () => IdxReader.ReadImages(temp.File("images.gz"));

        act.Should().Throw<IdxFormatException>().WithMessage("*images.gz*gzip stream ends early*truncated*")
            .Which.FilePath.Should().Be(temp.File("images.gz"));
    }

    [Test]
    public void ReadImages_GzipWithoutTrailer_ThrowsIdxFormat()
    {
        using var temp = new TempFolder();
        var gz = IdxFiles.Gzip(IdxFiles.Images(3, 4, 4));
        File.WriteAllBytes(temp.File("images.gz"), gz[..^8]);

        var act = () => IdxReader.ReadImages(temp.File("images.gz"));

        act.Should().Throw<IdxFormatException>().WithMessage("*images.gz*trailer*");
    }

    [TestCase(8)]
    [TestCase(5)]
    public void ReadImages_FlippedCrcByte_ThrowsSayingCrc(int fromEnd)
    {
        using var temp = new TempFolder();
        var gz = IdxFiles.Gzip(IdxFiles.Images(3, 4, 4));
        gz[^fromEnd] ^= 0x10;
        File.WriteAllBytes(temp.File("images.gz"), gz);

        var act = () => IdxReader.ReadImages(temp.File("images.gz"));

        act.Should().Throw<IdxFormatException>().WithMessage("*images.gz*CRC-32*")
            .Which.FilePath.Should().Be(temp.File("images.gz"));
    }

    [Test]
    public void ReadImages_EverySingleByteChangeOfGzip_LoadsIdenticallyOrThrowsTyped()
    {
        using var temp = new TempFolder();
        var plain = IdxFiles.Images(3, 4, 5, i => (byte)(i * 7));
        var gz = IdxFiles.Gzip(plain);
        var identical = 0;
        for (var i = 0; i < gz.Length; i++)
        {
            foreach (var mask in new byte[] { 0x01, 0xFF })
            {
                var bytes = (byte[])gz.Clone();
                bytes[i] ^= mask;
                File.WriteAllBytes(temp.File("f.gz"), bytes);
                var images = Trial(() => IdxReader.ReadImages(temp.File("f.gz")), $"byte {i} ^ 0x{mask:X2}");
                if (images is not null)
                {
                    images.Pixels.ToArray().Should().Equal(plain[16..], $"byte {i} ^ 0x{mask:X2} loaded");
                    (images.Count, images.Rows, images.Columns).Should().Be((3, 4, 5));
                    identical++;
                }
            }
        }

        identical.Should().BeLessThan(2 * gz.Length / 2, "the CRC-32 catches changes to the data");
    }

    [Test]
    public void ReadImages_EverySingleByteChangeOfPlainFile_LoadsWhatItSaysOrThrowsTyped()
    {
        using var temp = new TempFolder();
        var plain = IdxFiles.Images(3, 4, 5, i => (byte)(i * 7));
        for (var i = 0; i < plain.Length; i++)
        {
            foreach (var mask in new byte[] { 0x01, 0xFF })
            {
                var bytes = (byte[])plain.Clone();
                bytes[i] ^= mask;
                File.WriteAllBytes(temp.File("f"), bytes);
                var images = Trial(() => IdxReader.ReadImages(temp.File("f")), $"byte {i} ^ 0x{mask:X2}");

                // A plain file has no checksum: a changed pixel loads as that pixel; a header change never loads.
                if (images is not null)
                {
                    i.Should().BeGreaterThanOrEqualTo(16, "a changed header must not load");
                    images.Pixels.ToArray().Should().Equal(bytes[16..]);
                }
            }
        }
    }

    [Test]
    [Platform(Exclude = "Win", Reason = "FIFOs are Unix's")]
    public void ReadImages_FifoUnderTheName_ThrowsIdxFormatWithoutOpeningIt()
    {
        // The open waited for a writer for ever; released, the read threw NotSupportedException naming no file.
        using var temp = new TempFolder();
        var path = temp.File("train-images-idx3-ubyte");
        Fifo.Make(path);

        var act = Fifo.Bounded(path, () => IdxReader.ReadImages(path));

        act.Should().Throw<IdxFormatException>().WithMessage($"*'{path}'*0 bytes (an empty file, or a pipe or device under the name)*");
    }

    private static IdxImages? Trial(Func<IdxImages> read, string change)
    {
        var clock = Stopwatch.StartNew();
        var before = GC.GetAllocatedBytesForCurrentThread();
        IdxImages? result = null;
        try
        {
            result = read();
        }
        catch (IdxFormatException)
        {
        }

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), change);
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(8L << 20, change);
        return result;
    }

    private static byte[] Header(int magic, params int[] dims)
    {
        var bytes = new byte[4 + (4 * dims.Length)];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (var d = 0; d < dims.Length; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * d)), dims[d]);
        }

        return bytes;
    }
}
