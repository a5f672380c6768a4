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
}
