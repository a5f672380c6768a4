using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Cuda.Tests;

/// <summary>
/// cascade.cu itself, compiled by the host C++ compiler into KernelOnCpu/harness.cpp (CUDA threads as std::threads,
/// barriers for __syncthreads and warp shuffles) and checked against a float64 cascade. Complements the C# mirror:
/// this runs the kernel's own source. Skipped where g++ is missing; KernelOnCpu/run.sh runs every combination.
/// </summary>
public class KernelSourceOnCpuTests
{
    [Test]
    public void KernelSource_RunOnCpuThroughGxx_MatchesFloat64CascadeForBothMappings()
    {
        var script = Path.Combine(RepositoryRoot.Find(), "tests", "Dendritic.Net.Cuda.Tests", "KernelOnCpu", "run.sh");
        if (!OperatingSystem.IsLinux() || GxxMajorVersion() is not { } major)
        {
            Assert.Ignore("g++ is not installed: the kernel source cannot be compiled for the CPU here.");
        }
        else if (major < 11)
        {
            // The harness needs C++20's <barrier> (run.sh): an older g++ fails to compile it, which says nothing of the kernel.
            Assert.Ignore($"g++ {major} is older than 11, which the harness's C++20 <barrier> needs.");
        }

        var start = new ProcessStartInfo("bash", new[] { script }) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["COMBOS"] = "4 1 0 1;3 0 2";
        using var process = Process.Start(start)!;
        // Both streams at once: read one after the other, a child that fills the other's pipe (64 KiB of compiler
        // errors) would wait for this test forever.
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd() + errors.GetAwaiter().GetResult();
        process.WaitForExit();

        output.Should().Contain("kernel-on-cpu: 0 failing combination(s)", output);
        output.Should().NotContain("FAIL");
        process.ExitCode.Should().Be(0, output);
    }

    /// <summary>g++'s major version (<c>g++ -dumpversion</c> prints "12" or "8.5.0"), or null where there is no g++.</summary>
    private static int? GxxMajorVersion()
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("g++", "-dumpversion") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var errors = probe.StandardError.ReadToEndAsync();
            var version = probe.StandardOutput.ReadToEnd().Trim();
            errors.GetAwaiter().GetResult();
            probe.WaitForExit();
            return probe.ExitCode == 0 && int.TryParse(version.Split('.')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
