using System.IO;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Harness;

[TestFixture]
public sealed class EnergyMeterTests
{
    // These pass on any machine: either the counter is readable and counts up, or the reason says "not measured".
    [TestCase("cpu")]
    [TestCase("cuda")]
    [TestCase("cuda:1")]
    public void For_Device_GivesAReadableMeterOrSaysWhyNot(string device)
    {
        using var meter = EnergyMeter.For(device, out var reason);

        if (meter is null)
        {
            reason.Should().StartWith("not measured: ");
        }
        else
        {
            reason.Should().BeEmpty();
            var first = meter.ReadJoules();
            first.Should().NotBeNull();
            meter.ReadJoules().Should().BeGreaterThanOrEqualTo(first!.Value);
            meter.Source.Should().NotBeNullOrEmpty();
        }
    }

    [TestCase(null, null)]
    [TestCase("1000000", 0.9)]
    public void ReadJoules_CounterWraps_AddsTheRangeOrSaysItCannotKnow(string? range, double? expectedJoules)
    {
        using var temp = new TempFolder();
        var package = Directory.CreateDirectory(Path.Combine(temp.Path, "intel-rapl:0")).FullName;
        var counter = Path.Combine(package, "energy_uj");
        File.WriteAllText(counter, "900000\n");
        if (range is not null)
        {
            File.WriteAllText(Path.Combine(package, "max_energy_range_uj"), range + "\n");
        }

        using var meter = RaplEnergyMeter.TryCreate(temp.Path, out _);
        meter.Should().NotBeNull();
        File.WriteAllText(counter, "800000\n");   // wrapped: 100,000 µJ to the top of the range, then 800,000

        // Without max_energy_range_uj the energy since the last read is unknown (it had added double.MaxValue).
        meter!.ReadJoules().Should().Be(expectedJoules);
    }
}
