using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Dendritic.Experiments.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;
using Dendritic.Testing;

namespace Dendritic.Experiments.Tests.Data;

[TestFixture]
public sealed class IdxImageFolderTests
{
    [Test]
    public void FileNames_CastToAWritableList_CannotBeChanged()
    {
        // It was a public static array, whose elements any caller could overwrite for every later load.
        var names = (IList<string>)IdxImageFolder.FileNames;

        names.IsReadOnly.Should().BeTrue();
        names.Should().Equal("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
        var act = () => names[0] = "other";
        act.Should().Throw<NotSupportedException>();
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Load_GoodFolder_SplitsLastEighthForValidation(bool gzip)
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 16, test: 5, gzip);

        var data = IdxImageFolder.Load(temp.Path);

        data.Train.Count.Should().Be(14);
        data.Validation.Count.Should().Be(2);
        data.Test.Count.Should().Be(5);
        data.Train.Inputs.shape.Should().Equal(14, 1, 4, 4);
        data.Train.Inputs.dtype.Should().Be(ScalarType.Float32);
        data.Validation.Targets.data<long>().ToArray().Should().Equal(14 % 3, 15 % 3);
        data.Train.Inputs.max().item<float>().Should().BeLessThanOrEqualTo(1f);
    }

    [Test]
    public void Load_EveryByteValue_ReadsAsTheByteOver255InFloat32BitForBit()
    {
        // The pixels are converted by libtorch now (a float[] in .NET held them twice); the values must be those of
        // (float)b / 255f, which the pilot's figures were measured with.
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("train-images-idx3-ubyte"), IdxFiles.Images(16, 4, 4, i => (byte)i));
        File.WriteAllBytes(temp.File("train-labels-idx1-ubyte"), IdxFiles.Labels(new byte[16]));
        File.WriteAllBytes(temp.File("t10k-images-idx3-ubyte"), IdxFiles.Images(1, 4, 4));
        File.WriteAllBytes(temp.File("t10k-labels-idx1-ubyte"), IdxFiles.Labels(new byte[] { 255 }));

        var data = IdxImageFolder.Load(temp.Path, validationFraction: 0.125);

        var pixels = data.Train.Inputs.data<float>().ToArray().Concat(data.Validation.Inputs.data<float>().ToArray()).ToArray();
        pixels.Select(BitConverter.SingleToInt32Bits).Should().Equal(Enumerable.Range(0, 256).Select(b => BitConverter.SingleToInt32Bits(b / 255f)));
        data.Test.Targets.dtype.Should().Be(ScalarType.Int64);
        data.Test.Targets.data<long>().ToArray().Should().Equal(255L);
    }

    [Test]
    public void Load_MissingFile_ListsExpectedNames()
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 8, test: 2);
        File.Delete(temp.File("t10k-labels-idx1-ubyte.gz"));

        var act = () => IdxImageFolder.Load(temp.Path);

        act.Should().Throw<FileNotFoundException>().WithMessage("*t10k-labels-idx1-ubyte*train-images-idx3-ubyte*");
    }

    [Test]
    public void Load_MissingFolder_ThrowsDirectoryNotFoundException()
    {
        var act = () => IdxImageFolder.Load("/nonexistent/dendritic-data");

        act.Should().Throw<DirectoryNotFoundException>().WithMessage("*/nonexistent/dendritic-data*");
    }

    [Test]
    public void Load_FileInsteadOfFolder_SaysItIsAFile()
    {
        using var temp = new TempFolder();
        var file = temp.File("config.json");
        File.WriteAllText(file, "{}");

        var act = () => IdxImageFolder.Load(file);

        act.Should().Throw<DirectoryNotFoundException>().WithMessage($"Data folder '{file}' is a file; give the folder that holds *");
    }

    [Test]
    public void Load_LabelCountDiffersFromImages_ThrowsNamingBothFilesAndBothCounts()
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 8, test: 2, gzip: false);
        File.WriteAllBytes(temp.File("train-labels-idx1-ubyte"), IdxFiles.Labels(1, 2, 0));

        var act = () => IdxImageFolder.Load(temp.Path);

        act.Should().Throw<IdxFormatException>()
            .WithMessage($"The training split's files disagree: the images file '{temp.File("train-images-idx3-ubyte")}' holds 8 images but the labels file '{temp.File("train-labels-idx1-ubyte")}' holds 3 labels*Take both files from one download*")
            .Which.Message.Should().NotContain("is not a valid IDX file", "neither file is malformed on its own");
    }

    [TestCase(16, 0, "t10k-images-idx3-ubyte", "test")]
    [TestCase(0, 4, "train-images-idx3-ubyte", "training")]
    public void Load_SplitFilesHoldingNoImages_ThrowsIdxFormatNamingTheImagesFile(int train, int test, string file, string split)
    {
        // Found by fuzzing the headers' counts: an empty test split escaped as ExperimentData's ArgumentException,
        // naming no file.
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train, test, gzip: false);

        var act = () => IdxImageFolder.Load(temp.Path);

        act.Should().Throw<IdxFormatException>().WithMessage($"*declares 0 images*the {split} split needs at least one*")
            .Which.FilePath.Should().Be(temp.File(file));
    }

    [Test]
    public void Load_ShippedPilotDigits_Has7000TrainAnd1000ValidationAnd2000Test()
    {
        var data = IdxImageFolder.Load(RepoPaths.PilotData);

        data.Train.Count.Should().Be(7000);
        data.Validation.Count.Should().Be(1000);
        data.Test.Count.Should().Be(2000);
        data.Train.Inputs.shape.Should().Equal(7000, 1, 28, 28);
        data.Test.Targets.bincount(null).data<long>().ToArray().Should().Equal(230, 232, 190, 202, 202, 157, 190, 217, 193, 187);
    }
}
