using System;
using System.IO;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Pilot.Tests;

/// <summary>
/// The pilot's atomic writes, through <see cref="PilotConfigFile.Write"/> and <see cref="PilotFiles"/>: the library's
/// <see cref="AtomicFileWriter"/>, compiled into the pilot.
/// </summary>
[TestFixture]
public sealed class PilotFilesTests
{
    [Test]
    public void Write_ExistingFile_IsReplacedAndNothingElseIsLeft()
    {
        using var temp = new TempFolder();
        var path = temp.File("config.json");
        File.WriteAllText(path, "old");

        PilotConfigFile.Write(path, "new");

        File.ReadAllText(path).Should().Be("new");
        Directory.GetFileSystemEntries(temp.Path).Should().Equal(path);
    }

    [Test]
    public void Write_FailingRename_LeavesWhatWasThereAndNoTemporaryFile()
    {
        // The rename cannot replace a folder: the write fails after the temporary file is written, whoever runs the test
        // (a read-only folder would not stop root).
        using var temp = new TempFolder();
        var path = temp.File("config.json");
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "inside"), "kept");

        var write = () => PilotConfigFile.Write(path, "new");

        write.Should().Throw<Exception>().Which.Should().Match<Exception>(e => e is IOException || e is UnauthorizedAccessException);
        File.ReadAllText(Path.Combine(path, "inside")).Should().Be("kept");
        Directory.GetFileSystemEntries(temp.Path).Should().Equal(new[] { path }, "the temporary file is deleted when the write fails");
    }

    [Test]
    public void Write_LinkAtAGuessableTemporaryName_IsNotFollowed()
    {
        // The temporary name was path.tmp-PID: a link planted there made the write land in the link's target.
        using var temp = new TempFolder();
        var path = temp.File("config.json");
        var victim = temp.File("victim");
        File.WriteAllText(victim, "untouched");
        try
        {
            File.CreateSymbolicLink(path + ".tmp-" + Environment.ProcessId, victim);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Assert.Ignore("this machine does not let the test create a symbolic link");
        }

        PilotConfigFile.Write(path, "new");

        File.ReadAllText(victim).Should().Be("untouched");
        File.ReadAllText(path).Should().Be("new");
    }

    [Test]
    public void WriteAtomically_MissingFolder_IsCreated()
    {
        // The quantize option writes its ONNX files into onnx/ under the report folder, which nothing else creates.
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "onnx", "baseline-seed1-float32.onnx");

        PilotFiles.WriteAtomically(path, new byte[] { 1, 2, 3 });

        File.ReadAllBytes(path).Should().Equal(1, 2, 3);
    }

    [Test]
    public void Write_TemporaryLeftByAKilledWrite_IsRemoved()
    {
        // The pilot's own writer named its temporaries .pilot-GUID.tmp and never removed those a killed run left.
        using var temp = new TempFolder();
        var path = temp.File("config.json");
        var stale = temp.File(AtomicFileWriter.TemporaryPrefix("config.json") + "0badf00d.tmp");
        File.WriteAllText(stale, "half a config");

        PilotConfigFile.Write(path, "new");

        File.ReadAllText(path).Should().Be("new");
        Directory.GetFileSystemEntries(temp.Path).Should().Equal(path);
    }

    [Test]
    public void Write_SymbolicLink_WritesItsTargetAndKeepsTheLink()
    {
        // A config kept elsewhere and linked into the report folder: the pilot's own writer replaced the link by a file.
        using var temp = new TempFolder();
        var target = temp.File("kept.json");
        File.WriteAllText(target, "old");
        var path = temp.File("config.json");
        try
        {
            File.CreateSymbolicLink(path, target);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Assert.Ignore("this machine does not let the test create a symbolic link");
        }

        PilotConfigFile.Write(path, "new");

        new FileInfo(path).LinkTarget.Should().NotBeNull("the link stays a link");
        File.ReadAllText(target).Should().Be("new");
    }

    [Test]
    [Platform(Exclude = "Win", Reason = "FIFOs are Unix's")]
    public void Read_FifoUnderTheName_ReadsNoBytesWithoutOpeningIt()
    {
        // A FIFO named report.json (merge) or given as --config blocked the open for ever (found in a review).
        using var temp = new TempFolder();
        var path = temp.File("report.json");
        Fifo.Make(path);

        var read = Fifo.Bounded(path, () => PilotFiles.Read(path, 1000))();
        var (config, error) = Fifo.Bounded(path, () => PilotConfigFile.Read(path))();

        read.Should().BeEmpty();
        config.Should().BeNull();
        error.Should().StartWith($"--config '{path}'");
    }
}
