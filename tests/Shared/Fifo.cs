using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Dendritic.Testing;

/// <summary>
/// FIFOs under a file's name, for the tests that a reader sizes a name before it opens it: opening a FIFO for reading
/// blocks until a writer comes, so a reader that opens one would hang the test run for ever without <see cref="Bounded"/>.
/// </summary>
internal static class Fifo
{
    /// <summary>Far above any read these tests make (well under a second); only a hang gets near it.</summary>
    public static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(60);

    /// <summary>Makes a FIFO at <paramref name="path"/> with <c>mkfifo</c>; the test is inconclusive without it.</summary>
    public static void Make(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo") { ArgumentList = { path }, UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assume.That(mkfifo.ExitCode, Is.Zero, "mkfifo is needed to make a FIFO");
    }

    /// <summary>
    /// <paramref name="read"/>, bounded: one that does not return within <see cref="HangLimit"/> fails the test instead
    /// of the run, and a writer's open of <paramref name="fifo"/> releases it (a blocked reader's open completes when a
    /// writer opens). Exceptions of <paramref name="read"/> pass through as they are.
    /// </summary>
    public static Func<T> Bounded<T>(string? fifo, Func<T> read) => () =>
    {
        var task = Task.Run(read);
        bool done;
        try
        {
            done = task.Wait(HangLimit);
        }
        catch (AggregateException)
        {
            done = true;
        }

        if (!done)
        {
            if (fifo is not null)
            {
                using var release = new FileStream(fifo, FileMode.Open, FileAccess.Write);
            }

            Assert.Fail($"The read did not return within {HangLimit}: it opened what is not a regular file.");
        }

        return task.GetAwaiter().GetResult();
    };
}
