using System;
using System.IO;
using System.Linq;
using Dendritic.Experiments.Tests.Support;
using Dendritic.Testing;
using Dendritic.Pilot;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Pilot.Tests;

[TestFixture]
public sealed class PilotAppTests : ConsoleErrorCapture
{
    [Test]
    public void Run_BadOption_ReturnsBadOptionsWithMessage()
    {
        PilotApp.Run(new[] { "--epochs", "0" }).Should().Be(ExitCodes.BadOptions);

        Error.Should().Contain("error: --epochs must be at least 1").And.Contain("--help").And.NotContain("   at ");
    }

    [Test]
    public void Run_MistypedFlag_ReturnsBadOptionsWithOneErrorNamingIt()
    {
        PilotApp.Run(new[] { "--sedes", "3" }).Should().Be(ExitCodes.BadOptions);

        Error.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).Should().Equal("error: unknown option '--sedes'; did you mean --seeds?");
        Error.Should().Contain("--help");
    }

    [Test]
    public void Run_ControlCharactersInAValue_ErrorShowsThemEscaped()
    {
        // A value from the command line or a config file is echoed in the error; an escape sequence in it must not
        // reach the terminal as one.
        PilotApp.Run(new[] { "--device", "\u001b[2Jcuda\u0007\nerror: forged" }).Should().Be(ExitCodes.BadOptions);

        Error.Should().Contain("\\u001B[2Jcuda\\u0007\\u000Aerror: forged").And.NotContain("\u001b").And.NotContain("\u0007")
            .And.NotContain("\nerror: forged", "a value cannot add a line that looks like the pilot's own");
    }

    [Test]
    public void Run_MissingDataFolder_ReturnsBadInputWithMessage()
    {
        PilotApp.Run(new[] { "--data", "/nonexistent/mnist" }).Should().Be(ExitCodes.BadInput);

        Error.Should().Contain("error: Data folder '/nonexistent/mnist' does not exist").And.NotContain("   at ");
    }

    [Test]
    public void Run_CorruptDataFile_ReturnsBadInputNamingTheFile()
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 16, test: 4, gzip: false);
        var images = temp.File("train-images-idx3-ubyte");
        File.WriteAllBytes(images, File.ReadAllBytes(images)[..40]);

        PilotApp.Run(new[] { "--data", temp.Path, "--output", temp.File("out") }).Should().Be(ExitCodes.BadInput);

        Error.Should().Contain("train-images-idx3-ubyte").And.Contain("truncated").And.NotContain("   at ");
        Directory.Exists(temp.File("out")).Should().BeFalse();
    }

    [Test]
    public void Run_CudaOnCpuBuild_ReturnsBadInputWithMessage()
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 16, test: 4);

        PilotApp.Run(new[] { "--data", temp.Path, "--device", "cuda", "--output", temp.File("out") }).Should().Be(ExitCodes.BadInput);

        Error.Should().Contain("CUDA is not available");
    }

    [Test]
    public void Run_TinyFolder_WritesReport()
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 48, test: 12);

        var code = PilotApp.Run(new[] { "--data", temp.Path, "--seeds", "2", "--epochs", "2", "--growth-epochs", "1", "--width", "3", "--output", temp.File("out") });

        code.Should().Be(ExitCodes.Success);
        File.Exists(Path.Combine(temp.File("out"), "summary.md")).Should().BeTrue();
        File.Exists(Path.Combine(temp.File("out"), "report.json")).Should().BeTrue();
    }

    [Test]
    public void Run_DendritesOffIntoAFolderWithAReport_SaysNoGrowthRanAndKeepsThePreviousReport()
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 48, test: 12);
        var args = new[] { "--data", temp.Path, "--seeds", "1", "--epochs", "2", "--width", "3", "--output", temp.File("out") };
        PilotApp.Run(args).Should().Be(ExitCodes.Success);

        var code = PilotApp.Run(args.Append("--dendrite-mode").Append("off").ToArray());

        code.Should().Be(ExitCodes.Success, Error);
        File.ReadAllText(Path.Combine(temp.File("out"), "summary.md")).Should().Contain("Dendritic arm: not run").And.NotContain("GrowthScheduler");
        File.ReadAllText(Path.Combine(temp.File("out"), "previous", "summary.md")).Should().Contain("GrowthScheduler", "the first run's report was moved aside, not overwritten");
    }

    [TestCase("encoder", "scheduler")]
    [TestCase("encoder", "fixed")]
    [TestCase("cnn", "fixed")]
    public void Run_ModelOnTinyFolder_WritesReport(string model, string mode)
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 48, test: 12);

        var code = PilotApp.Run(new[] { "--model", model, "--dendrite-mode", mode, "--data", temp.Path, "--seeds", "1", "--epochs", "2", "--growth-epochs", "1", "--max-epochs", "4", "--patience", "1", "--width", "4", "--output", temp.File("out") });

        code.Should().Be(ExitCodes.Success, Error);
        File.Exists(Path.Combine(temp.File("out"), "summary.md")).Should().BeTrue();
        File.ReadAllText(Path.Combine(temp.File("out"), "report.json")).Should().Contain(model == "encoder" ? "blocks.*.attention.output" : "all supported layers");
    }

    [Test]
    public void Run_BadModel_ReturnsBadOptions()
    {
        PilotApp.Run(new[] { "--model", "resnet" }).Should().Be(ExitCodes.BadOptions);

        Error.Should().Contain("error: --model must be one of mlp, cnn, encoder, not 'resnet'").And.NotContain("   at ");
    }

    [Test]
    public void Run_EncoderOnImagesItCannotCut_ReturnsBadInputWithMessage()
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 16, test: 4);
        File.WriteAllBytes(temp.File("train-images-idx3-ubyte.gz"), IdxFiles.Gzip(IdxFiles.Images(16, 6, 6)));
        File.WriteAllBytes(temp.File("t10k-images-idx3-ubyte.gz"), IdxFiles.Gzip(IdxFiles.Images(4, 6, 6)));

        PilotApp.Run(new[] { "--model", "encoder", "--data", temp.Path, "--output", temp.File("out") }).Should().Be(ExitCodes.BadInput);

        Error.Should().Contain("error: The encoder cuts each image into a 4 × 4 grid").And.Contain("[1, 6, 6]").And.NotContain("   at ");
        Directory.Exists(temp.File("out")).Should().BeFalse("nothing is written for data the model cannot take");
    }

    [Test]
    public void Run_TestLabelOutsideTrainingClasses_ReturnsBadInputNamingTheLabel()
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 16, test: 4);
        File.WriteAllBytes(temp.File("t10k-labels-idx1-ubyte.gz"), IdxFiles.Gzip(IdxFiles.Labels(0, 1, 2, 7)));

        PilotApp.Run(new[] { "--data", temp.Path, "--output", temp.File("out") }).Should().Be(ExitCodes.BadInput);

        Error.Should().Contain("test label (7)").And.Contain("0 to 2").And.Contain("the data is inconsistent")
            .And.NotContain("training split holds only", "a class the training file lacks is not the split's doing, however small it is")
            .And.NotContain("   at ");
        Directory.Exists(temp.File("out")).Should().BeFalse("nothing is written for bad data");
    }

    [Test]
    public void Run_ValidationFractionLeavingATinyTrainingSplit_ReturnsBadInputNamingTheSplitsAndTheFraction()
    {
        // 48 images, labels 0, 1, 2, 0, ...: 0.95 leaves 2 training images (labels 0 and 1) and 46 for validation.
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 48, test: 12);

        PilotApp.Run(new[] { "--data", temp.Path, "--validation-fraction", "0.95", "--output", temp.File("out") }).Should().Be(ExitCodes.BadInput);

        Error.Should().Contain("validation label (2) lies outside the classes of the training labels (0 to 1)")
            .And.Contain("the training split holds only 2 image(s) and the validation split 46, too few training images to hold all 3 classes. Lower --validation-fraction")
            .And.NotContain("shuffle it").And.NotContain("   at ");
        Directory.Exists(temp.File("out")).Should().BeFalse("nothing is written for bad data");
    }

    [Test]
    public void Run_TrainingFileSortedByClass_ReturnsBadInputSayingShuffleIt()
    {
        // 42 training images of classes 0 and 1, then the 6 of class 2 that the default fraction (0.125) holds out.
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 48, test: 12);
        var labels = Enumerable.Range(0, 48).Select(i => (byte)(i < 21 ? 0 : i < 42 ? 1 : 2)).ToArray();
        File.WriteAllBytes(temp.File("train-labels-idx1-ubyte.gz"), IdxFiles.Gzip(IdxFiles.Labels(labels)));

        PilotApp.Run(new[] { "--data", temp.Path, "--output", temp.File("out") }).Should().Be(ExitCodes.BadInput);

        Error.Should().Contain("validation label (2) lies outside the classes of the training labels (0 to 1)")
            .And.Contain("a training file sorted by class leaves classes out of one split; shuffle it.")
            .And.NotContain("training split holds only");
    }

    [Test]
    public void Run_OptionGivenTwice_ReturnsBadOptionsNamingIt()
    {
        PilotApp.Run(new[] { "--seeds", "2", "--seeds", "3" }).Should().Be(ExitCodes.BadOptions);

        Error.Should().Contain("error: --seeds was given twice").And.NotContain("expects a single argument");
    }

    [Test]
    public void Run_EmptyTestSplit_ReturnsBadInput()
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 16, test: 4);
        File.WriteAllBytes(temp.File("t10k-images-idx3-ubyte.gz"), IdxFiles.Gzip(IdxFiles.Images(0, 4, 4)));
        File.WriteAllBytes(temp.File("t10k-labels-idx1-ubyte.gz"), IdxFiles.Gzip(IdxFiles.Labels()));

        PilotApp.Run(new[] { "--data", temp.Path, "--output", temp.File("out") }).Should().Be(ExitCodes.BadInput);

        Error.Should().Contain("error: ").And.Contain("t10k-images-idx3-ubyte.gz").And.Contain("0 images").And.Contain("the test split needs at least one")
            .And.NotContain("   at ").And.NotContain("(Parameter");
    }

    [Test]
    public void Run_OutputUnderAFile_ReturnsBadOptionsNamingOutputBeforeTraining()
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 16, test: 4);
        File.WriteAllText(temp.File("file"), "not a folder");
        var output = Path.Combine(temp.File("file"), "out");

        PilotApp.Run(new[] { "--data", temp.Path, "--output", output, "--seeds", "1" }).Should().Be(ExitCodes.BadOptions);

        Error.Should().Contain($"--output '{output}' cannot be created or written").And.NotContain("   at ");
    }
}
