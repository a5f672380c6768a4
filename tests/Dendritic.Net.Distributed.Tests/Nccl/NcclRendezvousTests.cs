using System;
using System.IO;
using System.Linq;
using FluentAssertions;
using NUnit.Framework;
using Dendritic.Testing;

namespace Dendritic.Distributed.Tests.Nccl;

/// <summary>The rendezvous and library rules that need no GPU: environment, validation, failure notes, NCCL's search path.</summary>
[TestFixture]
public sealed class NcclRendezvousTests
{
    private static readonly string[] Variables = { "RANK", "WORLD_SIZE", "LOCAL_RANK", NcclRendezvous.IdVariable, NcclRendezvous.IdFileVariable, NcclRendezvous.TimeoutVariable, NcclLibrary.PathVariable, "LD_LIBRARY_PATH" };
    private string?[] _saved = Array.Empty<string?>();
    private TempFolder _temp = null!;

    private string Folder => _temp.Path;

    [SetUp]
    public void SetUp()
    {
        _saved = Variables.Select(Environment.GetEnvironmentVariable).ToArray();
        foreach (var name in Variables)
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        _temp = new TempFolder();
    }

    [TearDown]
    public void TearDown()
    {
        for (var i = 0; i < Variables.Length; i++)
        {
            Environment.SetEnvironmentVariable(Variables[i], _saved[i]);
        }

        _temp.Dispose();
    }

    [Test]
    public void FromEnvironment_TorchrunVariables_AreRead()
    {
        var id = Convert.ToBase64String(new byte[128]);
        Environment.SetEnvironmentVariable("RANK", "1");
        Environment.SetEnvironmentVariable("WORLD_SIZE", "2");
        Environment.SetEnvironmentVariable("LOCAL_RANK", "1");
        Environment.SetEnvironmentVariable(NcclRendezvous.IdVariable, id);
        Environment.SetEnvironmentVariable(NcclRendezvous.TimeoutVariable, "30");

        var rendezvous = NcclRendezvous.FromEnvironment();

        rendezvous.Should().BeEquivalentTo(new NcclRendezvous { Rank = 1, WorldSize = 2, LocalRank = 1, UniqueId = id, Timeout = TimeSpan.FromSeconds(30) });
    }

    [Test]
    public void FromEnvironment_NothingSet_IsOneRank()
    {
        NcclRendezvous.FromEnvironment().Should().BeEquivalentTo(new NcclRendezvous());
    }

    [Test]
    public void Validate_SeveralRanksWithoutIdAndRankOutOfRange_ListsBoth()
    {
        var act = () => new NcclRendezvous { Rank = 2, WorldSize = 2 }.Validate();

        act.Should().Throw<InvalidOptionsException>().WithMessage("*Rank*").WithMessage($"*{NcclRendezvous.IdVariable}*");
    }

    [Test]
    public void Validate_IdNotOf128Bytes_Throws()
    {
        var act = () => new NcclRendezvous { WorldSize = 2, UniqueId = Convert.ToBase64String(new byte[16]) }.Validate();

        act.Should().Throw<InvalidOptionsException>().WithMessage("*128 bytes*");
    }

    [Test]
    public void FromEnvironment_RankNotANumber_ThrowsNamingTheVariable()
    {
        Environment.SetEnvironmentVariable("RANK", "zero");

        var act = NcclRendezvous.FromEnvironment;

        act.Should().Throw<InvalidOptionsException>().WithMessage("*RANK*zero*");
    }

    [Test]
    public void FromEnvironment_SeveralVariablesNotNumbers_ListsEveryOne()
    {
        Environment.SetEnvironmentVariable("RANK", "zero");
        Environment.SetEnvironmentVariable("WORLD_SIZE", "two");
        Environment.SetEnvironmentVariable(NcclRendezvous.TimeoutVariable, "1.5");

        var act = NcclRendezvous.FromEnvironment;

        act.Should().Throw<InvalidOptionsException>().Which.Message.Should().ContainAll("RANK", "'zero'", "WORLD_SIZE", "'two'", NcclRendezvous.TimeoutVariable, "'1.5'");
    }

    [Test]
    public void WriteFailure_ByRank1_IsFoundByRank0Only()
    {
        var file = Path.Combine(Folder, "nccl.id");
        var rank0 = new NcclRendezvous { Rank = 0, WorldSize = 2, IdFile = file };
        var rank1 = rank0 with { Rank = 1 };

        rank1.WriteFailure("CUDA out of memory");

        rank0.Failures().Should().Equal((1, "CUDA out of memory"));
        rank1.Failures().Should().BeEmpty("a rank does not stop on its own note");
    }

    [Test]
    public void Failures_HugeNoteBesideTheIdFile_ReadsOnlyWhatTheMessageKeeps()
    {
        // The note was read whole (File.ReadAllText) to keep 2,000 characters of it: a 64 MiB file cost 64 MiB and more.
        var file = Path.Combine(Folder, "nccl.id");
        var rank0 = new NcclRendezvous { Rank = 0, WorldSize = 2, IdFile = file };
        using (var note = File.Create(file + ".failed.1"))
        {
            note.SetLength(64L << 20);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var failures = rank0.Failures().ToList();
        var cost = GC.GetAllocatedBytesForCurrentThread() - allocated;

        failures.Should().ContainSingle().Which.Reason.Should().HaveLength(2000);
        cost.Should().BeLessThan(1L << 20);
    }

    [Test]
    public void ResolveId_Rank1WithFile_ReadsTheIdRank0Wrote()
    {
        var file = Path.Combine(Folder, "nccl.id");
        var bytes = Enumerable.Range(0, 128).Select(i => (byte)i).ToArray();
        File.WriteAllText(file, Convert.ToBase64String(bytes));

        new NcclRendezvous { Rank = 1, WorldSize = 2, IdFile = file }.ResolveId().Should().Equal(bytes);
    }

    [Test]
    public void ResolveId_Rank1AndNoFileWithinTheTimeout_ThrowsTimeout()
    {
        var rendezvous = new NcclRendezvous { Rank = 1, WorldSize = 2, IdFile = Path.Combine(Folder, "never.id"), Timeout = TimeSpan.FromMilliseconds(200) };

        var act = () => rendezvous.ResolveId();

        act.Should().Throw<CollectiveTimeoutException>().WithMessage("*rank 0*");
    }

    [Test]
    public void Candidates_VariableAndTorchLibOnLdLibraryPath_TriedInOrder()
    {
        Environment.SetEnvironmentVariable(NcclLibrary.PathVariable, Folder);
        Environment.SetEnvironmentVariable("LD_LIBRARY_PATH", "/opt/py/lib/python3.12/site-packages/torch/lib:/usr/lib");

        var candidates = NcclLibrary.Candidates();

        candidates[0].Should().Be(Path.Combine(Folder, "libnccl.so.2"));
        candidates[1].Should().Be("libnccl.so.2");
        candidates.Should().Contain("/opt/py/lib/python3.12/site-packages/nvidia/nccl/lib/libnccl.so.2");
    }

    [Test]
    public void Load_NoNcclAnywhere_ThrowsListingWhatWasTriedAndTheVariable()
    {
        if (NcclLibrary.LoadedFrom is not null || System.Runtime.InteropServices.NativeLibrary.TryLoad("libnccl.so.2", out _))
        {
            Assert.Ignore("This machine has NCCL.");
        }

        Environment.SetEnvironmentVariable(NcclLibrary.PathVariable, Path.Combine(Folder, "missing.so"));

        var act = () => NcclLibrary.Load();

        act.Should().Throw<NcclException>().WithMessage($"*missing.so*{NcclLibrary.PathVariable}*");
    }

    [Test]
    public void SetEnv_ThroughLibc_Succeeds()
    {
        NcclNative.setenv("DENDRITIC_TEST_SETENV", "1", 1).Should().Be(0, "NCCL reads NCCL_NVLS_ENABLE through getenv, so it is set through libc");
    }
}
