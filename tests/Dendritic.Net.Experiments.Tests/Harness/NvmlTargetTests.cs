using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Harness;

/// <summary>CUDA ordinal to NVML GPU under CUDA_VISIBLE_DEVICES (a pure function of the variable's value and the ordinal).</summary>
[TestFixture]
public sealed class NvmlTargetTests
{
    [TestCase(0u)]
    [TestCase(3u)]
    public void ForCudaOrdinal_VariableUnset_IsTheOrdinal(uint ordinal)
    {
        NvmlTarget.ForCudaOrdinal(null, ordinal, out var reason).Should().Be(new NvmlTarget(ordinal, null));
        reason.Should().BeEmpty();
    }

    [TestCase("3", 0u, 3u)]
    [TestCase("2,5", 1u, 5u)]
    [TestCase(" 6 , 7 ", 0u, 6u)]
    public void ForCudaOrdinal_NumericList_IsTheOrdinalsEntry(string visible, uint ordinal, uint expected)
    {
        NvmlTarget.ForCudaOrdinal(visible, ordinal, out _).Should().Be(new NvmlTarget(expected, null));
    }

    [Test]
    public void ForCudaOrdinal_UuidList_IsTheEntrysUuid()
    {
        const string uuid = "GPU-8f2c4a1e-0d3b-4c5f-9a7e-1b2c3d4e5f60";

        NvmlTarget.ForCudaOrdinal("GPU-11111111-2222-3333-4444-555555555555," + uuid, 1, out _).Should().Be(new NvmlTarget(null, uuid));
    }

    [Test]
    public void ForCudaOrdinal_MigEntry_FallsBackToTheOrdinal()
    {
        NvmlTarget.ForCudaOrdinal("MIG-8f2c4a1e-0d3b-4c5f-9a7e-1b2c3d4e5f60", 0, out _).Should().Be(new NvmlTarget(0, null));
    }

    [TestCase("4", 1u)]
    [TestCase("", 0u)]
    public void ForCudaOrdinal_NoSuchEntry_IsNullWithTheReason(string visible, uint ordinal)
    {
        NvmlTarget.ForCudaOrdinal(visible, ordinal, out var reason).Should().BeNull();
        reason.Should().Be($"not measured: CUDA_VISIBLE_DEVICES=\"{visible}\" has no GPU {ordinal}");
    }

    [Test]
    public void ToString_NamesIndexOrUuid()
    {
        new NvmlTarget(2, null).ToString().Should().Be("GPU 2");
        new NvmlTarget(null, "GPU-abc").ToString().Should().Be("GPU GPU-abc");
    }
}
