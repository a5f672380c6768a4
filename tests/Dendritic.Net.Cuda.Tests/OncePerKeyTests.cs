using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Cuda.Tests;

/// <summary>
/// <see cref="OncePerKey{TKey, TValue}"/>, which opens each GPU (retaining its primary context) and compiles each
/// kernel: once per key however many threads ask together, without holding up other keys, and a failure is retried.
/// The creation is held until every other caller is blocked, so that the race happens on any machine.
/// </summary>
public class OncePerKeyTests
{
    [Test]
    public void Get_ManyThreadsSameKeyAtOnce_CreatesOnceAndAllGetThatValue()
    {
        var values = new OncePerKey<int, object>();
        var creations = 0;
        using var creating = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        object Create(int key)
        {
            Interlocked.Increment(ref creations);
            creating.Set();
            release.Wait();
            return new object();
        }

        var results = new ConcurrentBag<object>();
        var threads = new[] { TestThreads.Start(() => results.Add(values.Get(7, Create))) };
        try
        {
            creating.Wait(TestThreads.Patience).Should().BeTrue();
            var others = Enumerable.Range(0, 4).Select(_ => TestThreads.Start(() => results.Add(values.Get(7, Create)))).ToArray();
            threads = threads.Concat(others).ToArray();

            // Every other caller has reached the key's lock (or, with GetOrAdd's factory alone, its own creation).
            SpinWait.SpinUntil(() => others.All(t => (t.ThreadState & ThreadState.WaitSleepJoin) != 0), TestThreads.Patience);
        }
        finally
        {
            release.Set();
            TestThreads.JoinAll(threads);
        }

        creations.Should().Be(1);
        results.Should().HaveCount(5).And.OnlyContain(r => ReferenceEquals(r, results.First()));
    }

    [Test]
    public void Get_OtherKeyWhileOneIsBeingCreated_DoesNotWaitForIt()
    {
        var values = new OncePerKey<int, string>();
        using var creating = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var slow = TestThreads.Start(() => values.Get(1, _ =>
        {
            creating.Set();
            release.Wait();
            return "one";
        }));
        string? other = null;
        bool finishedFirst;
        try
        {
            creating.Wait(TestThreads.Patience).Should().BeTrue();
            var fast = TestThreads.Start(() => other = values.Get(2, _ => "two"));
            finishedFirst = fast.Join(TestThreads.Patience);
        }
        finally
        {
            release.Set();
            TestThreads.JoinAll(slow);
        }

        finishedFirst.Should().BeTrue("key 2 must not wait for key 1's creation");
        other.Should().Be("two");
        values.Get(1, _ => "again").Should().Be("one");
    }

    [Test]
    public void Get_CreateThrows_ThrowsAndNextCallCreatesAgain()
    {
        var values = new OncePerKey<string, int>();
        var creations = 0;

        var failing = () => values.Get("k", _ =>
        {
            creations++;
            throw new CudaKernelException("compile failed");
        });

        failing.Should().Throw<CudaKernelException>().WithMessage("compile failed");
        values.Get("k", _ => ++creations).Should().Be(2);
        values.Get("k", _ => ++creations).Should().Be(2, "a value made is kept");
        creations.Should().Be(2);
    }

    [Test]
    public void Get_WithState_PassesKeyAndState()
    {
        var values = new OncePerKey<int, string>();

        var value = values.Get(3, "x", static (key, state) => $"{state}{key}");

        value.Should().Be("x3");
    }
}
