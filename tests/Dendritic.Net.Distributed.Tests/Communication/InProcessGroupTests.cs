using System;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Distributed.Tests.Communication;

/// <summary>The in-process communicator: the collectives' results, and what happens when ranks disagree or fail.</summary>
[TestFixture]
public sealed class InProcessGroupTests
{
    private const string ReturnedReason = "rank 0 returned from its body while another rank still called collectives";

    [TestCase(ReduceOp.Sum, 6.0)]
    [TestCase(ReduceOp.Average, 2.0)]
    public void AllReduce_ThreeRanks_EveryRankGetsTheCombinedValues(ReduceOp op, double expectedFirst)
    {
        var results = InProcessGroup.Run(3, c =>
        {
            using var t = tensor(new[] { c.Rank + 1.0, 10.0 * (c.Rank + 1) });
            c.AllReduce(t, op);
            return t.data<double>().ToArray();
        });

        results.Should().AllSatisfy(r => r[0].Should().Be(expectedFirst));
        results.Select(r => r[1]).Distinct().Should().ContainSingle("every rank gets bit-identical results");
    }

    [Test]
    public void Broadcast_FromRank1_EveryRankGetsItsValues()
    {
        var results = InProcessGroup.Run(3, c =>
        {
            using var t = full(4, (double)c.Rank, ScalarType.Float64);
            c.Broadcast(t, 1);
            return t.data<double>().ToArray();
        });

        results.Should().AllSatisfy(r => r.Should().Equal(1.0, 1.0, 1.0, 1.0));
    }

    [Test]
    public void AllReduce_RanksPassDifferentShapes_EveryRankThrows()
    {
        var run = () => InProcessGroup.Run(2, c =>
        {
            using var t = zeros(c.Rank + 1);
            c.AllReduce(t, ReduceOp.Sum);
            return 0;
        });

        var error = run.Should().Throw<AggregateException>().Which;
        error.InnerExceptions.Should().HaveCount(2).And.AllBeOfType<RankFailedException>();
        error.InnerExceptions[0].Message.Should().Contain("different collectives");
        error.Message.Should().StartWith("2 of 2 ranks failed; the group stopped them together (no one rank failed first). (");
    }

    [Test]
    public void Run_OneRankThrowsWhileOthersWait_OthersStopWithRankFailedNamingIt()
    {
        var run = () => InProcessGroup.Run(3, c =>
        {
            if (c.Rank == 2)
            {
                throw new InvalidOperationException("out of memory on purpose");
            }

            c.Barrier();
            return 0;
        });

        var error = run.Should().Throw<AggregateException>().Which;
        error.InnerExceptions.Should().HaveCount(3);
        error.InnerExceptions.OfType<InvalidOperationException>().Should().ContainSingle();
        var stopped = error.InnerExceptions.OfType<RankFailedException>().ToList();
        stopped.Should().HaveCount(2);
        stopped.Should().AllSatisfy(e =>
        {
            e.FailedRank.Should().Be(2);
            e.Message.Should().Contain("out of memory on purpose");
        });
    }

    [Test]
    public void Run_OneRankReturnsWhileAnotherCallsACollective_StopsThatRankSayingWhich()
    {
        // Whichever comes first, rank 0's return or rank 1's barrier, the outcome is the same (the tests below force
        // each order); with a 20 s timeout, a CollectiveTimeoutException would mean the group waited for rank 0.
        var run = () => InProcessGroup.Run(
            2,
            c =>
            {
                if (c.Rank == 0)
                {
                    return 0;
                }

                c.Barrier();
                return 1;
            },
            TimeSpan.FromSeconds(20));

        var error = run.Should().Throw<AggregateException>().Which;
        error.InnerExceptions.Should().ContainSingle().Which.Should().BeOfType<RankFailedException>()
            .Which.Message.Should().Contain(ReturnedReason);
    }

    [Test]
    public void Barrier_AfterAnotherRankReturned_ThrowsRankFailedSayingWhich()
    {
        using var group = new InProcessGroup(2, TimeSpan.FromSeconds(20));
        group.Returned(0);

        var act = () => group.Communicator(1).Barrier();

        act.Should().Throw<RankFailedException>().WithMessage($"*{ReturnedReason}*");
    }

    [Test]
    public void Barrier_AnotherRankReturnsJustBeforeThisOneSignals_ThrowsRankFailedInsteadOfTimingOut()
    {
        // The moment between a rank's checks and its signal: the group used to look only at the ranks the barrier
        // counted, so a rank there waited out the whole timeout (CollectiveTimeoutException after 20 s).
        using var group = new InProcessGroup(2, TimeSpan.FromSeconds(20));
        group.BeforeSignal = () => group.Returned(0);

        var act = () => group.Communicator(1).Barrier();

        act.Should().Throw<RankFailedException>().WithMessage($"*{ReturnedReason}*");
    }

    [Test]
    public void Barrier_AnotherRankReturnsWhileThisOneWaits_ThrowsRankFailedSayingWhich()
    {
        using var group = new InProcessGroup(2, TimeSpan.FromSeconds(20));
        Exception? seen = null;
        var rank1 = StartRank(() => group.Communicator(1).Barrier(), e => seen = e);
        SpinWait.SpinUntil(() => group.Waiting == 1, TimeSpan.FromSeconds(30)).Should().BeTrue("rank 1 signals the barrier");

        group.Returned(0);

        rank1.Join(TimeSpan.FromSeconds(30)).Should().BeTrue();
        seen.Should().BeOfType<RankFailedException>().Which.Message.Should().Contain(ReturnedReason);
    }

    [Test]
    public void Run_OneRankThrows_MessageSaysHowManyFailedAndWhichFirstWithoutRepeatingTheReason()
    {
        // Rank 0 returns only once rank 2 has left its barrier, which only rank 1's failure can end: returning while
        // rank 2 still waited would stop the group too, and which stop came first would then be up to thread timing.
        using var rank2Stopped = new ManualResetEventSlim();
        var run = () => InProcessGroup.Run(3, c =>
        {
            if (c.Rank == 1)
            {
                throw new InvalidOperationException("out of memory on purpose");
            }

            if (c.Rank == 2)
            {
                try
                {
                    c.Barrier();
                }
                finally
                {
                    rank2Stopped.Set();
                }
            }
            else
            {
                rank2Stopped.Wait(TimeSpan.FromSeconds(20)).Should().BeTrue("rank 1's failure stops rank 2's barrier");
            }

            return 0;
        });

        var error = run.Should().Throw<AggregateException>().Which;
        error.InnerExceptions.Should().HaveCount(2, "rank 0 finished without a collective");
        error.InnerExceptions[0].Should().BeOfType<InvalidOperationException>();
        error.Message.Should().StartWith("2 of 3 ranks failed; rank 1 failed first (InnerExceptions[0]). (out of memory on purpose) (Rank 1 stopped the group:");
        Regex.Matches(error.Message, "out of memory on purpose").Should().HaveCount(error.InnerExceptions.Count, "the reason comes only with the inner messages .NET appends, once each");
        Regex.Matches(error.ToString(), "out of memory on purpose").Should().HaveCount(2 * error.InnerExceptions.Count, "ToString adds each inner exception once more");
    }

    [Test]
    public void Barrier_ARankNeverArrives_TimesOutInsteadOfHanging()
    {
        using var rank0Left = new ManualResetEventSlim();
        var run = () => InProcessGroup.Run(
            2,
            c =>
            {
                if (c.Rank == 0)
                {
                    try
                    {
                        c.Barrier();
                    }
                    finally
                    {
                        rank0Left.Set();
                    }
                }
                else
                {
                    // Busy until rank 0's barrier has ended, not returned: a rank that returns stops the group at once
                    // (tests above), so a fixed sleep here raced the timeout on a loaded machine.
                    rank0Left.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue("only the timeout ends rank 0's barrier");
                }

                return 0;
            },
            TimeSpan.FromMilliseconds(300));

        run.Should().Throw<AggregateException>().Which.InnerExceptions.Should().ContainSingle().Which.Should().BeOfType<CollectiveTimeoutException>();
    }

    [Test]
    public void AllReduce_AverageOfIntegers_ThrowsArgumentException()
    {
        using var group = new InProcessGroup(1);
        using var t = zeros(2, ScalarType.Int64);

        var act = () => group.Communicator(0).AllReduce(t, ReduceOp.Average);

        act.Should().Throw<ArgumentException>().WithMessage("*floating-point*");
    }

    [TestCase(-1)]
    [TestCase(2)]
    public void Communicator_RankOutsideTheGroup_ThrowsArgumentOutOfRangeNamingTheRank(int rank)
    {
        using var group = new InProcessGroup(2);

        var act = () => group.Communicator(rank);

        act.Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "rank").WithMessage("*0 to 1 (world size 2)*");
    }

    [TestCase(ScalarType.Int16, "*not Int16*")]
    [TestCase(ScalarType.ComplexFloat32, "*not ComplexFloat32*")]
    [TestCase(ScalarType.Bool, "*Bool tensor*Int32*")]
    public void AllReduce_DtypeNcclCannotReduce_ThrowsArgumentExceptionAsNcclWould(ScalarType dtype, string message)
    {
        using var group = new InProcessGroup(1);
        using var t = zeros(2, dtype);

        var act = () => group.Communicator(0).AllReduce(t, ReduceOp.Sum);

        act.Should().Throw<ArgumentException>().WithMessage(message);
    }

    [Test]
    public void Broadcast_BoolTensor_IsCarried()
    {
        var results = InProcessGroup.Run(2, c =>
        {
            using var t = full(3, c.Rank == 0, ScalarType.Bool);
            c.Broadcast(t, 0);
            return t.data<bool>().ToArray();
        });

        results.Should().AllSatisfy(r => r.Should().Equal(true, true, true));
    }

    [Test]
    public void Dispose_WhileARankWaitsInABarrier_TheRankStopsWithRankFailedSayingSo()
    {
        var group = new InProcessGroup(2, TimeSpan.FromMinutes(10));
        Exception? seen = null;
        var rank0 = StartRank(() => group.Communicator(0).Barrier(), e => seen = e);
        SpinWait.SpinUntil(() => group.Waiting == 1, TimeSpan.FromSeconds(30)).Should().BeTrue("rank 0 signals the barrier");

        group.Dispose();

        rank0.Join(TimeSpan.FromSeconds(30)).Should().BeTrue("Dispose wakes a rank that waits in a collective, rather than leaving it to the 10-minute timeout");
        seen.Should().BeOfType<RankFailedException>().Which.Message.Should().Be("The group was stopped: the InProcessGroup was disposed while its ranks could still call collectives; dispose it after every rank's thread has finished");
    }

    [Test]
    public void AllReduce_AfterDispose_ThrowsRankFailed()
    {
        var group = new InProcessGroup(1);
        group.Dispose();
        using var t = zeros(2);

        var act = () => group.Communicator(0).AllReduce(t, ReduceOp.Sum);

        act.Should().Throw<RankFailedException>().WithMessage("*disposed*");
    }

    // One rank on a thread of its own, keeping what it threw.
    private static Thread StartRank(Action body, Action<Exception> caught)
    {
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                caught(e);
            }
        })
        { IsBackground = true };
        thread.Start();
        return thread;
    }
}
