using System;
using System.Threading;
using FluentAssertions;

namespace Dendritic.Cuda.Tests;

/// <summary>
/// Dedicated threads for the concurrency tests: not the thread pool, whose size depends on the machine. A test holds
/// a creation with an event that has no timeout and sets it in a finally, so that a hold never ends on its own while
/// the test is still waiting to see whether another caller got through.
/// </summary>
internal static class TestThreads
{
    /// <summary>How long a test waits for a thread that should get through: far beyond any machine's scheduling delay.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static Thread Start(Action action)
    {
        var thread = new Thread(() => action()) { IsBackground = true };
        thread.Start();
        return thread;
    }

    /// <summary>Waits for every thread, so that none still waits on an event the test is about to dispose.</summary>
    public static void JoinAll(params Thread[] threads)
    {
        foreach (var thread in threads)
        {
            thread.Join(Patience).Should().BeTrue();
        }
    }
}
