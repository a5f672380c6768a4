using System.IO;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Checkpoints;

/// <summary>What the atomic writer does when the writer declines to replace the target.</summary>
[TestFixture]
public sealed class AtomicFileWriterTests : TempFolderTest
{
    [Test]
    public void TryWrite_WriterDeclines_LeavesTheTargetAndDeletesTheTemporary()
    {
        var target = Temp.File("weights.best");
        File.WriteAllText(target, "old");

        var replaced = AtomicFileWriter.TryWrite(target, "best weights", stream =>
        {
            stream.Write(new byte[] { 1, 2, 3 });
            return false;
        });

        replaced.Should().BeFalse();
        File.ReadAllText(target).Should().Be("old");
        Directory.GetFileSystemEntries(Temp.Path).Should().Equal(target);
    }

    [Test]
    public void TryWrite_WriterDeclinesAndTheTemporaryCannotBeDeleted_StillReturnsFalse()
    {
        // A plain delete threw here, so an import that found a digest mismatch reported an IO error instead. The
        // temporary is made undeletable by putting a non-empty folder in its place (File.Delete refuses a folder),
        // which no file mode can do for root.
        var target = Temp.File("weights.best");
        File.WriteAllText(target, "old");
        string? temporary = null;

        var replaced = AtomicFileWriter.TryWrite(target, "best weights", stream =>
        {
            temporary = ((FileStream)stream).Name;
            File.Delete(temporary);
            Directory.CreateDirectory(Path.Combine(temporary, "inside"));
            return false;
        });

        replaced.Should().BeFalse("the writer declined; the temporary left behind is no reason to throw");
        File.ReadAllText(target).Should().Be("old");
        Directory.Exists(temporary).Should().BeTrue("the stand-in could not be deleted");
    }
}
