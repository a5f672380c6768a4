using System;
using System.Linq;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Harness;

[TestFixture]
public sealed class GpuUsageTests
{
    [Test]
    public void TryOpen_MissingLibrary_SaysNotMeasuredAndWhy()
    {
        using var device = NvmlDevice.TryOpen(new NvmlTarget(0, null), out var reason, library: "libnvidia-ml-absent.so.1");

        device.Should().BeNull();
        reason.Should().Be("not measured: NVML (libnvidia-ml-absent.so.1) not found");
    }

    [Test]
    public void For_CpuDevice_SaysNotMeasured()
    {
        using var sampler = GpuUsageSampler.For("cpu", out var reason);

        sampler.Should().BeNull();
        reason.Should().Be("not measured: CPU run");
    }

    // Passes on any machine: without NVML the reason says so; with it, a window returns readings.
    [Test]
    public void For_Cuda_SamplesOrSaysWhyNot()
    {
        using var sampler = GpuUsageSampler.For("cuda", out var reason);

        if (sampler is null)
        {
            reason.Should().StartWith("not measured: ");
            return;
        }

        sampler.Start();
        var (utilization, memory) = sampler.Stop();
        utilization.Should().BeInRange(0, 100);
        memory.Should().BePositive();
    }

    [Test]
    public void Stop_AfterReadings_GivesTheMeanUtilisationAndThePeakMemory()
    {
        var readings = new (double? Utilization, double? Memory)[] { (10, 100), (30, 400), (null, 250), (50, null), (20, 300) };
        var next = 0;
        var current = readings[0];
        using var sampler = new GpuUsageSampler(() => current.Utilization, () => current.Memory, "fake", TimeSpan.FromHours(1));

        sampler.Start();
        foreach (var reading in readings.Skip(1))
        {
            current = reading;
            sampler.Sample();
            next++;
        }

        var (utilization, peak) = sampler.Stop();

        utilization.Should().Be((10 + 30 + 50 + 20 + 20) / 5.0, "the start and stop readings count too; unreadable ones do not");
        peak.Should().Be(400);
        next.Should().Be(4);
    }

    [Test]
    public void Stop_NothingReadable_GivesNulls()
    {
        using var sampler = new GpuUsageSampler(() => null, () => null, "fake", TimeSpan.FromHours(1));

        sampler.Start();
        var (utilization, peak) = sampler.Stop();

        utilization.Should().BeNull();
        peak.Should().BeNull();
    }
}
