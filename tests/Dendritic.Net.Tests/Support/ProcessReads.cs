using System;
using System.IO;
using System.Linq;
using NUnit.Framework;

namespace Dendritic.Tests.Support;

/// <summary>
/// The bytes this process has read through read system calls (Linux's <c>rchar</c> in <c>/proc/self/io</c>), to tell
/// an operation that reads a file once from one that reads it twice. Every thread counts, so a test compares against a
/// margin of many megabytes, not exact numbers. A read served from the page cache counts as any other; a file read
/// through a memory map does not count at all (page faults are no read calls), so this cannot see that kind of read.
/// </summary>
internal static class ProcessReads
{
    /// <summary>How many bytes the process read while <paramref name="operation"/> ran; the test is ignored off Linux.</summary>
    public static long During(Action operation)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/io"))
        {
            Assert.Ignore("Counting the bytes a process reads needs Linux's /proc/self/io.");
        }

        var before = Read();
        operation();
        return Read() - before;
    }

    private static long Read() =>
        long.Parse(File.ReadLines("/proc/self/io").First(l => l.StartsWith("rchar:", StringComparison.Ordinal))["rchar:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
}
