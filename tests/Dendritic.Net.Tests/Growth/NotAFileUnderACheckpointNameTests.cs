using System;
using System.IO;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// Something other than a regular file where a checkpoint is read, or under a best-weights name beside it (found by a reviewer's hostile
/// checkpoints): a directory made Resume throw a bare UnauthorizedAccessException, and a FIFO made it hang for ever in
/// the open. Names are sized before they are opened now (<see cref="FileSizeBeforeOpen"/>): a directory is no file, and a
/// FIFO or a device is 0 bytes, never the recorded size, so neither is opened and a file further on may still be the
/// recorded one. Symbolic links are followed, as before: a link to the file is the file.
/// </summary>
[TestFixture]
[Platform(Exclude = "Win", Reason = "FIFOs, devices and symbolic links without privileges are Unix's")]
public sealed class NotAFileUnderACheckpointNameTests : TempFolderTest
{
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        manual_seed(11);
        _path = SteppedRun.Save(Temp.File("run.dndt"));
    }

    private string Best => _path + ".best";

    [Test]
    public void Resume_BestWeightsNameIsADirectory_ThrowsFileNotFoundAsForAMissingFile()
    {
        File.Delete(Best);
        Directory.CreateDirectory(Best);

        var act = Resume();

        act.Should().Throw<FileNotFoundException>().WithMessage("*there is no such file*");
    }

    [Test]
    public void Resume_BestWeightsNameIsAFifo_ThrowsMismatchInsteadOfHanging()
    {
        File.Delete(Best);
        Fifo.Make(Best);

        var act = Resume(fifo: Best);

        act.Should().Throw<CheckpointMismatchException>().WithMessage($"*'{Best}'*0 bytes*");
    }

    [Test]
    public void Resume_StagedNameIsAFifoAndTheFileIsGone_ThrowsMismatchNamingTheFifo()
    {
        // The staged name is looked at too (a save interrupted before its rename leaves the file there).
        File.Delete(Best);
        Fifo.Make(Best + ".new");

        var act = Resume(fifo: Best + ".new");

        act.Should().Throw<CheckpointMismatchException>().WithMessage($"*'{Best}.new'*0 bytes*");
    }

    [Test]
    public void Resume_BestWeightsNameLinksToACharacterDevice_ThrowsMismatch()
    {
        File.Delete(Best);
        File.CreateSymbolicLink(Best, "/dev/null");

        var act = Resume();

        act.Should().Throw<CheckpointMismatchException>().WithMessage($"*'{Best}'*0 bytes*");
    }

    [Test]
    public void Resume_BestWeightsNameIsADirectoryAndTheStagedFileIsTheRecordedOne_ResumesFromIt()
    {
        // Not the recorded file is not fatal: the file under the next name is looked at.
        File.Move(Best, Best + ".new");
        Directory.CreateDirectory(Best);

        var act = Resume();

        var resumed = act.Should().NotThrow().Subject;

        resumed.ExportState().Validations.Should().Be(4);
    }

    [Test]
    public void Resume_BestWeightsNameLinksToTheFile_ResumesFromIt()
    {
        var elsewhere = Temp.File("kept/run.dndt.best");
        Directory.CreateDirectory(Path.GetDirectoryName(elsewhere)!);
        File.Move(Best, elsewhere);
        File.CreateSymbolicLink(Best, elsewhere);

        var act = Resume();

        act.Should().NotThrow("a link to the recorded file is that file, as it always was");
    }

    [Test]
    public void Resume_BestWeightsNameIsALinkToNothing_ThrowsFileNotFoundAsForAMissingFile()
    {
        File.Delete(Best);
        File.CreateSymbolicLink(Best, Temp.File("gone.best"));

        var act = Resume();

        act.Should().Throw<FileNotFoundException>().WithMessage("*there is no such file*");
    }

    [Test]
    public void Resume_StateWithoutDigestAndItsFileIsAFifo_ThrowsFileNotFoundInsteadOfHanging()
    {
        // States written before the digest was recorded take the recorded name unchecked: it must still be a file.
        SteppedRun.Edit(_path, state =>
        {
            state.Remove(nameof(GrowthSchedulerState.BestWeightsSha256));
            state.Remove(nameof(GrowthSchedulerState.BestWeightsBytes));
        });
        File.Delete(Best);
        Fifo.Make(Best);

        var act = Resume(fifo: Best);

        act.Should().Throw<FileNotFoundException>().WithMessage("*there is no such file*");
    }

    [Test]
    public void Load_CheckpointIsAFifo_ThrowsCorruptedInsteadOfHanging()
    {
        var fifo = Temp.File("shared.dndt");
        Fifo.Make(fifo);

        var act = Fifo.Bounded(fifo, () => DendriteCheckpoint.Load(TestModels.TanhMlp(), fifo));

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"'{fifo}' is 0 bytes long*not a file: a FIFO or a device*");
    }

    [Test]
    public void Load_CheckpointIsADirectory_ThrowsFileNotFoundSayingSo()
    {
        var directory = Directory.CreateDirectory(Temp.File("model.dndt")).FullName;

        var act = () => DendriteCheckpoint.Load(TestModels.TanhMlp(), directory);

        act.Should().Throw<FileNotFoundException>().WithMessage($"Checkpoint '{directory}' does not exist as a file: it is a directory.");
    }

    [Test]
    public void Of_EachKindOfNode_GivesTheSizeToOpenOrNone()
    {
        var directory = Directory.CreateDirectory(Temp.File("folder")).FullName;
        var fifo = Temp.File("pipe");
        Fifo.Make(fifo);
        var loop = Temp.File("loop");
        File.CreateSymbolicLink(loop, loop);
        var size = new FileInfo(_path).Length;

        FileSizeBeforeOpen.Of(_path).Should().Be(size);
        FileSizeBeforeOpen.Of(File.CreateSymbolicLink(Temp.File("link"), _path).FullName).Should().Be(size, "a link's target is what opens");
        FileSizeBeforeOpen.Of(fifo).Should().Be(0);
        FileSizeBeforeOpen.Of("/dev/zero").Should().Be(0);
        FileSizeBeforeOpen.Of(directory).Should().BeNull();
        FileSizeBeforeOpen.Of(Temp.File("absent")).Should().BeNull();
        FileSizeBeforeOpen.Of(loop).Should().BeNull();
    }

    /// <summary>Resume of the checkpoint, bounded (<see cref="Fifo.Bounded"/>).</summary>
    private Func<GrowthScheduler> Resume(string? fifo = null) => () =>
    {
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), _path);
        return Fifo.Bounded(fifo, () => GrowthScheduler.Resume(loaded))();
    };
}
