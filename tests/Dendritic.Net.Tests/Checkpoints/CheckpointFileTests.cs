using System;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using Dendritic.Testing;

namespace Dendritic.Tests.Checkpoints;

/// <summary>How a save treats the file system: temporaries, links, modes, long names, unwritable folders.</summary>
[TestFixture]
public sealed class CheckpointFileTests : TempFolderTest
{
    [Test]
    public void Save_StaleTemporaryOfTheSameTarget_IsRemoved()
    {
        var path = Path.Combine(Folder, "model.dndt");
        var stale = Path.Combine(Folder, AtomicFileWriter.TemporaryPrefix("model.dndt") + "0badf00d.tmp");
        File.WriteAllBytes(stale, new byte[1000]);
        var other = Path.Combine(Folder, AtomicFileWriter.TemporaryPrefix("other.dndt") + "0badf00d.tmp");
        File.WriteAllBytes(other, new byte[10]);

        DendriteCheckpoint.Save(Dendrites.Wrap(TestModels.Mlp()), path);

        File.Exists(stale).Should().BeFalse();
        File.Exists(other).Should().BeTrue("only the same target's temporaries are cleaned");
    }

    [Test]
    public void Save_TemporaryHeldOpenByAnotherSave_IsKept()
    {
        var path = Path.Combine(Folder, "model.dndt");
        var busy = Path.Combine(Folder, AtomicFileWriter.TemporaryPrefix("model.dndt") + "00c0ffee.tmp");
        using var writer = new FileStream(busy, FileMode.CreateNew, FileAccess.Write, FileShare.None);

        DendriteCheckpoint.Save(Dendrites.Wrap(TestModels.Mlp()), path);

        File.Exists(busy).Should().BeTrue();
    }

    [Test]
    public void Save_LongestValidFileName_Works()
    {
        var name = new string('m', 250) + ".dndt";
        var path = Path.Combine(Folder, name);

        DendriteCheckpoint.Save(Dendrites.Wrap(TestModels.Mlp()), path);

        DendriteCheckpoint.ReadManifest(path).Layers.Should().HaveCount(2);
        Directory.GetFiles(Folder).Should().ContainSingle();
    }

    [Test]
    public void Save_ThroughSymlink_ReplacesTheTargetAndKeepsTheLink()
    {
        Assume.That(!OperatingSystem.IsWindows(), "symlinks need privileges on Windows");
        var target = Path.Combine(Folder, "real.dndt");
        var link = Path.Combine(Folder, "link.dndt");
        File.WriteAllText(target, "old");
        File.CreateSymbolicLink(link, target);

        DendriteCheckpoint.Save(Dendrites.Wrap(TestModels.Mlp()), link);

        new FileInfo(link).LinkTarget.Should().Be(target);
        DendriteCheckpoint.ReadManifest(target).Layers.Should().HaveCount(2);
    }

    [Test]
    [UnsupportedOSPlatform("windows")]
    public void Save_OverFileWithMode0600_KeepsTheMode()
    {
        Assume.That(!OperatingSystem.IsWindows(), "Unix file modes");
        var path = Path.Combine(Folder, "model.dndt");
        var handle = Dendrites.Wrap(TestModels.Mlp());
        DendriteCheckpoint.Save(handle, path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        DendriteCheckpoint.Save(handle, path);

        File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Test]
    [UnsupportedOSPlatform("windows")]
    public void Save_IntoUnwritableFolder_NamesTheTarget()
    {
        Assume.That(OperatingSystem.IsLinux(), "needs a folder no user can create files in");
        var root = Environment.UserName == "root";
        var folder = root ? "/sys" : Path.Combine(Folder, "locked");
        if (!root)
        {
            Directory.CreateDirectory(folder);
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }

        var path = Path.Combine(folder, "model.dndt");

        try
        {
            var act = () => DendriteCheckpoint.Save(Dendrites.Wrap(TestModels.Mlp()), path);

            act.Should().Throw<Exception>().Where(e => e is IOException || e is UnauthorizedAccessException)
                .Which.Message.Should().Contain(path).And.NotContain(".tmp");
        }
        finally
        {
            if (!root)
            {
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }

    [TestCase("../secret.best")]
    [TestCase("/etc/passwd")]
    [TestCase("sub/x.best")]
    [TestCase("..")]
    [TestCase("")]
    [TestCase(null)]
    public void SidecarResolve_NotAPlainFileName_ThrowsCorrupted(string? name)
    {
        var act = () => CheckpointSidecar.Resolve(Path.Combine(Folder, "run.dndt"), name, "key");

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*'key'*not a plain file name*");
    }

    [Test]
    public void SidecarResolve_PlainName_IsNextToTheCheckpoint()
    {
        CheckpointSidecar.Resolve(Path.Combine(Folder, "run.dndt"), "run.dndt.best", "key").Should().Be(Path.Combine(Folder, "run.dndt.best"));
    }

    [Test]
    public void Resume_BestWeightsNameEscapingTheFolder_ThrowsCorrupted()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp());
        var state = new GrowthScheduler(handle).ExportState().ToJson();
        var path = Path.Combine(Folder, "run.dndt");
        DendriteCheckpoint.Save(handle, path, new System.Collections.Generic.Dictionary<string, string>
        {
            [GrowthScheduler.StateExtrasKey] = state,
            [GrowthScheduler.BestWeightsExtrasKey] = "../../etc/passwd",
        });
        var loaded = DendriteCheckpoint.Load(TestModels.Mlp(), path);

        var act = () => GrowthScheduler.Resume(loaded);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"*{GrowthScheduler.BestWeightsExtrasKey}*");
    }

    [Test]
    public void Resume_ManifestWithNullExtras_ThrowsCheckpointExceptionNotNullReference()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp());
        var path = Path.Combine(Folder, "run.dndt");
        var manifest = DendriteCheckpoint.Save(handle, path) with { Extras = null! };

        var act = () => GrowthScheduler.Resume(new LoadedCheckpoint(handle, manifest, path, CheckpointLoadOptions.Default));

        act.Should().Throw<CheckpointException>().WithMessage("*dendritic.growth.state*");
    }

    [Test]
    public void Load_PathWithDotDot_RecordsTheFullPathItRead()
    {
        // Resume and LoadOptimizerState read the file again from here, so it must not depend on how the path was written.
        var handle = Dendrites.Wrap(TestModels.Mlp());
        Directory.CreateDirectory(Path.Combine(Folder, "sub"));
        DendriteCheckpoint.Save(handle, Path.Combine(Folder, "run.dndt"));

        var loaded = DendriteCheckpoint.Load(TestModels.Mlp(), Path.Combine(Folder, "sub", "..", "run.dndt"));

        loaded.Path.Should().Be(Path.GetFullPath(Path.Combine(Folder, "run.dndt")));
    }

    [TestCase(0, "*is 0 bytes long, too short to be a Dendritic.Net checkpoint*")]
    [TestCase(3, "*is 3 bytes long, too short*")]
    [TestCase(100, "*is not a Dendritic.Net checkpoint: a checkpoint is a zip archive*Module.save*Module.load*")]
    public void Load_FileThatIsNotAZip_SaysWhatItIsNot(int bytes, string expected)
    {
        // A TorchSharp Module.save file, or anything else that is not a zip, is not a damaged checkpoint.
        var path = Path.Combine(Folder, "model.bin");
        File.WriteAllBytes(path, Enumerable.Range(0, bytes).Select(i => (byte)(i * 7)).ToArray());

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage(expected);
    }
}
