using System.Linq;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Cuda.Tests;

/// <summary>
/// Which NVRTC is tried first: the newest one the driver's CUDA major version supports, then the others as before
/// (a CUBIN from a newer NVRTC is refused by the driver at the first module load).
/// </summary>
public class NvrtcSearchOrderTests
{
    private static readonly NvrtcCandidate[] Linux = { new("libnvrtc.so.13", 13), new("libnvrtc.so.12", 12), new("libnvrtc.so", null) };
    private static readonly NvrtcCandidate[] Windows = { new("nvrtc64_130_0.dll", 13), new("nvrtc64_120_0.dll", 12) };

    [TestCase(12080, new[] { "libnvrtc.so.12", "libnvrtc.so", "libnvrtc.so.13" })]
    [TestCase(12000, new[] { "libnvrtc.so.12", "libnvrtc.so", "libnvrtc.so.13" })]
    [TestCase(13000, new[] { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so" })]
    [TestCase(13020, new[] { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so" })]
    [TestCase(14000, new[] { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so" })]
    [TestCase(11080, new[] { "libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12" })]
    public void For_DriverVersion_NewestSupportedFirstThenUnversionedThenNewer(int driverVersion, string[] expected) =>
        Names(NvrtcSearchOrder.For(driverVersion, Linux)).Should().Equal(expected);

    [TestCase(12080, new[] { "nvrtc64_120_0.dll", "nvrtc64_130_0.dll" })]
    [TestCase(13000, new[] { "nvrtc64_130_0.dll", "nvrtc64_120_0.dll" })]
    public void For_WindowsNames_SameRule(int driverVersion, string[] expected) =>
        Names(NvrtcSearchOrder.For(driverVersion, Windows)).Should().Equal(expected);

    [TestCase(null)]
    [TestCase(0)]
    [TestCase(-1)]
    public void For_DriverVersionUnknown_KeepsTheListedOrder(int? driverVersion) =>
        Names(NvrtcSearchOrder.For(driverVersion, Linux)).Should().Equal("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so");

    [Test]
    public void For_CandidatesListedOldestFirst_StillNewestSupportedFirst()
    {
        var oldestFirst = new NvrtcCandidate[] { new("a.11", 11), new("a.12", 12), new("a.13", 13) };

        Names(NvrtcSearchOrder.For(13000, oldestFirst)).Should().Equal("a.13", "a.12", "a.11");
    }

    private static string[] Names(System.Collections.Generic.IReadOnlyList<NvrtcCandidate> order) => order.Select(c => c.Name).ToArray();
}
