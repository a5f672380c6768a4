using System;
using System.IO;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Pilot.Tests;

/// <summary>
/// A run into a folder that holds a report moves that report into previous/ and leaves other files alone; an older
/// previous/ is renamed to previous-N, never deleted.
/// </summary>
[TestFixture]
public sealed class PilotPreviousReportTests
{
    [Test]
    public void MoveAside_FolderWithReport_MovesEveryReportEntryAndKeepsTheUsersFiles()
    {
        using var temp = new TempFolder();
        foreach (var name in new[] { "report.json", "summary.md", "quantization.md", "notes.txt" })
        {
            File.WriteAllText(temp.File(name), name);
        }

        Directory.CreateDirectory(temp.File("onnx"));
        File.WriteAllText(Path.Combine(temp.File("onnx"), "baseline-seed1-float.onnx"), "x");

        var message = PilotPreviousReport.MoveAside(temp.Path);

        message.Should().Contain("previous").And.Contain("4 entries");
        File.Exists(temp.File("report.json")).Should().BeFalse();
        File.ReadAllText(Path.Combine(temp.File("previous"), "quantization.md")).Should().Be("quantization.md");
        File.Exists(Path.Combine(temp.File("previous"), "onnx", "baseline-seed1-float.onnx")).Should().BeTrue();
        File.ReadAllText(temp.File("notes.txt")).Should().Be("notes.txt", "a file the pilot did not write stays");
    }

    [Test]
    public void MoveAside_SecondAndThirdTime_KeepsEachOlderReportAsPreviousN()
    {
        using var temp = new TempFolder();
        foreach (var text in new[] { "first", "second", "third" })
        {
            File.WriteAllText(temp.File("report.json"), text);
            PilotPreviousReport.MoveAside(temp.Path);
        }

        File.ReadAllText(Path.Combine(temp.File("previous"), "report.json")).Should().Be("third");
        File.ReadAllText(Path.Combine(temp.File("previous-3"), "report.json")).Should().Be("second");
        File.ReadAllText(Path.Combine(temp.File("previous-2"), "report.json")).Should().Be("first");
    }

    [Test]
    public void MoveAside_UsersFileInPrevious_KeepsItWithTheOlderReport()
    {
        // The reviewer's case: out/previous/my-notes.txt was deleted with the older previous/ when the pilot re-ran.
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("report.json"), "first");
        PilotPreviousReport.MoveAside(temp.Path);
        File.WriteAllText(Path.Combine(temp.File("previous"), "my-notes.txt"), "mine");
        File.WriteAllText(temp.File("report.json"), "second");

        var message = PilotPreviousReport.MoveAside(temp.Path);

        File.ReadAllText(Path.Combine(temp.File("previous-2"), "my-notes.txt")).Should().Be("mine");
        File.ReadAllText(Path.Combine(temp.File("previous-2"), "report.json")).Should().Be("first");
        message.Should().Contain("'previous-2'");
    }

    [Test]
    public void MoveAside_NumberedFoldersAlreadyThere_TakesTheNumberAfterTheLargest()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("previous"));
        Directory.CreateDirectory(temp.File("previous-7"));
        File.WriteAllText(temp.File("previous-x"), "not a number");
        File.WriteAllText(temp.File("previous-99999999999"), "past int's range");
        File.WriteAllText(temp.File("report.json"), "new");

        PilotPreviousReport.MoveAside(temp.Path);

        Directory.Exists(temp.File("previous-8")).Should().BeTrue();
        File.ReadAllText(temp.File("previous-x")).Should().Be("not a number");
    }

    [Test]
    public void MoveAside_PreviousIsASymlink_MovesTheLinkAndLeavesItsTargetAlone()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Creating a symlink on Windows needs a privilege the tests do not assume.");
        }

        using var temp = new TempFolder();
        using var elsewhere = new TempFolder();
        File.WriteAllText(elsewhere.File("keep.txt"), "theirs");
        Directory.CreateSymbolicLink(temp.File("previous"), elsewhere.Path);
        File.WriteAllText(temp.File("report.json"), "new");

        PilotPreviousReport.MoveAside(temp.Path);

        File.ReadAllText(elsewhere.File("keep.txt")).Should().Be("theirs");
        Directory.GetFileSystemEntries(elsewhere.Path).Should().HaveCount(1, "nothing moves into the link's target");
        new DirectoryInfo(temp.File("previous-2")).LinkTarget.Should().Be(elsewhere.Path);
        new DirectoryInfo(temp.File("previous")).LinkTarget.Should().BeNull();
        File.ReadAllText(Path.Combine(temp.File("previous"), "report.json")).Should().Be("new");
    }

    [Test]
    public void MoveAside_PreviousIsAFile_ThrowsNamingItAndMovesNothing()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("previous"), "mine");
        File.WriteAllText(temp.File("report.json"), "old");

        var act = () => PilotPreviousReport.MoveAside(temp.Path);

        act.Should().Throw<IOException>().WithMessage($"'{temp.File("previous")}' is a file*rename or move it");
        File.ReadAllText(temp.File("previous")).Should().Be("mine");
        File.ReadAllText(temp.File("report.json")).Should().Be("old");
    }

    [Test]
    public void MoveAside_FolderWithoutReport_DoesNothing()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("summary.md"), "mine");

        PilotPreviousReport.MoveAside(temp.Path).Should().BeNull();

        File.Exists(temp.File("summary.md")).Should().BeTrue();
        Directory.Exists(temp.File("previous")).Should().BeFalse();
    }
}
