using System.IO;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Pilot.Tests;

/// <summary>A run into a folder that holds a report moves that report into previous/ and leaves other files alone.</summary>
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
    public void MoveAside_SecondTime_ReplacesTheOlderPreviousReport()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("report.json"), "first");
        PilotPreviousReport.MoveAside(temp.Path);
        File.WriteAllText(temp.File("report.json"), "second");

        PilotPreviousReport.MoveAside(temp.Path);

        File.ReadAllText(Path.Combine(temp.File("previous"), "report.json")).Should().Be("second");
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
