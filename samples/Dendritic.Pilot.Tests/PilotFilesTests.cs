using System;
using System.IO;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Pilot.Tests;

/// <summary>The pilot's atomic writes, through <see cref="PilotConfigFile.Write"/> (the files helper is internal).</summary>
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
}
