using System.IO;
using Dendritic.Experiments.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using Dendritic.Testing;

namespace Dendritic.Experiments.Tests.Data;

[TestFixture]
public sealed class IdxReaderTests
{
    [TestCase(false)]
    [TestCase(true)]
    public void ReadImages_GoodFile_ReturnsHeaderAndPixels(bool gzip)
    {
        using var temp = new TempFolder();
        var bytes = IdxFiles.Images(3, 2, 5);
        File.WriteAllBytes(temp.File("images"), gzip ? IdxFiles.Gzip(bytes) : bytes);

        var images = IdxReader.ReadImages(temp.File("images"));

        images.Count.Should().Be(3);
        images.Rows.Should().Be(2);
        images.Columns.Should().Be(5);
        images.Pixels.ToArray().Should().Equal(bytes[16..]);
    }

    [Test]
    public void ReadImages_GzipOfSeveralMegabytes_ReturnsEveryPixel()
    {
        // A gzip's buffer starts at 1 MiB and doubles as data arrive: 5.6 MB of pixels take two doublings and a
        // last, partial one.
        using var temp = new TempFolder();
        var bytes = IdxFiles.Images(7_200, 28, 28, i => (byte)(i * 31 % 251));
        File.WriteAllBytes(temp.File("images.gz"), IdxFiles.Gzip(bytes));

        var images = IdxReader.ReadImages(temp.File("images.gz"));

        images.Count.Should().Be(7_200);
        images.Pixels.ToArray().Should().Equal(bytes[16..]);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void ReadLabels_GoodFile_ReturnsLabels(bool gzip)
    {
        using var temp = new TempFolder();
        var bytes = IdxFiles.Labels(7, 0, 9);
        File.WriteAllBytes(temp.File("labels"), gzip ? IdxFiles.Gzip(bytes) : bytes);

        IdxReader.ReadLabels(temp.File("labels")).Should().Equal(7, 0, 9);
    }

    [Test]
    public void ReadImages_Truncated_ThrowsIdxFormatExceptionSayingTruncated()
    {
        using var temp = new TempFolder();
        var bytes = IdxFiles.Images(3, 4, 4);
        File.WriteAllBytes(temp.File("images"), bytes[..^5]);

        var act = () => IdxReader.ReadImages(temp.File("images"));

        act.Should().Throw<IdxFormatException>().WithMessage("*truncated*").Which.FilePath.Should().Be(temp.File("images"));
    }

    [Test]
    public void ReadLabels_HeaderCutShort_ThrowsIdxFormatException()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("labels"), IdxFiles.Labels(1, 2)[..6]);

        var act = () => IdxReader.ReadLabels(temp.File("labels"));

        act.Should().Throw<IdxFormatException>().WithMessage("*fewer than the 8-byte header*");
    }

    [Test]
    public void ReadImages_TruncatedGzip_ThrowsIdxFormatException()
    {
        using var temp = new TempFolder();
        var gz = IdxFiles.Gzip(IdxFiles.Images(50, 8, 8));
        File.WriteAllBytes(temp.File("images.gz"), gz[..(gz.Length / 2)]);

        var act = () => IdxReader.ReadImages(temp.File("images.gz"));

        act.Should().Throw<IdxFormatException>();
    }

    [Test]
    public void ReadImages_WrongMagic_ThrowsIdxFormatExceptionNamingMagic()
    {
        using var temp = new TempFolder();
        var bytes = IdxFiles.Images(1, 2, 2);
        bytes[3] = 0x99;
        File.WriteAllBytes(temp.File("images"), bytes);

        var act = () => IdxReader.ReadImages(temp.File("images"));

        act.Should().Throw<IdxFormatException>().WithMessage("*magic number 0x00000899*0x00000803*");
    }

    [Test]
    public void ReadImages_LabelsFile_SaysFilesAreSwapped()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("labels"), IdxFiles.Labels(1, 2, 3));

        var act = () => IdxReader.ReadImages(temp.File("labels"));

        act.Should().Throw<IdxFormatException>().WithMessage("*swapped*");
    }

    [Test]
    public void ReadLabels_TrailingBytes_ThrowsIdxFormatException()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("labels"), [.. IdxFiles.Labels(1, 2), 7]);

        var act = () => IdxReader.ReadLabels(temp.File("labels"));

        act.Should().Throw<IdxFormatException>().WithMessage("*does not match*");
    }

    [Test]
    public void ReadImages_MissingFile_ThrowsFileNotFoundException()
    {
        using var temp = new TempFolder();

        var act = () => IdxReader.ReadImages(temp.File("nothing"));

        act.Should().Throw<FileNotFoundException>().WithMessage("*does not exist*");
    }
}
