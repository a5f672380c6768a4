using System;
using System.Linq;
using Dendritic.Distributed.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Distributed.Tests.Growth;

/// <summary>
/// A rank that fails before the scheduler's first collective and catches its own exception: the others must stop with
/// the reason, not wait out the collective timeout. InProcessGroup.Run would abort for the failing rank itself, so the
/// failing rank here returns normally.
/// </summary>
[TestFixture]
public sealed class DistributedGrowthSchedulerFailureTests
{
    // Long enough that a rank left waiting fails the test by timing out (CollectiveTimeoutException) rather than hanging.
    private static readonly TimeSpan GroupTimeout = TimeSpan.FromSeconds(60);

    [Test]
    public void Step_NegativeSampleCountOnOneRank_ItAbortsAndTheOtherStopsNamingIt()
    {
        var results = InProcessGroup.Run(
            2,
            c =>
            {
                var scheduler = new DistributedGrowthScheduler(c, Models.Wrapped(Models.Mlp()), Models.EagerRules);
                try
                {
                    scheduler.Step(1.0, c.Rank == 1 ? -3 : 5);
                    return "no exception";
                }
                catch (Exception e)
                {
                    return $"{e.GetType().Name}: {e.Message}";
                }
            },
            GroupTimeout);

        results[1].Should().StartWith("ArgumentOutOfRangeException: DistributedGrowthScheduler.Step on rank 1: the sample count cannot be negative");
        results[0].Should().StartWith("RankFailedException: Rank 1 stopped the group: rank 1: localSamples = -3: the sample count cannot be negative");
    }

    [Test]
    public void Step_NaNScoreOnOneRank_TheExceptionNamesTheRank()
    {
        var results = InProcessGroup.Run(
            2,
            c =>
            {
                var scheduler = new DistributedGrowthScheduler(c, Models.Wrapped(Models.Mlp()), Models.EagerRules);
                try
                {
                    scheduler.Step(c.Rank == 1 ? double.NaN : 1.0, 5);
                    return "no exception";
                }
                catch (Exception e)
                {
                    return $"{e.GetType().Name}: {e.Message}";
                }
            },
            GroupTimeout);

        results[1].Should().StartWith("ArgumentOutOfRangeException: DistributedGrowthScheduler.Step on rank 1: the validation score must be a finite number");
        results[0].Should().StartWith("RankFailedException: Rank 1 stopped the group: rank 1: localScore = NaN");
    }

    [Test]
    public void Constructor_InvalidOptionsOnOneRank_ItAbortsAndTheOtherStopsNamingIt()
    {
        var results = InProcessGroup.Run(
            2,
            c =>
            {
                try
                {
                    _ = new DistributedGrowthScheduler(c, Models.Wrapped(Models.Mlp()), Models.EagerRules with { Patience = c.Rank == 1 ? -1 : 0 });
                    return "no exception";
                }
                catch (Exception e)
                {
                    return e.GetType().Name + ": " + e.Message;
                }
            },
            GroupTimeout);

        results[1].Should().StartWith(nameof(InvalidOptionsException));
        results[0].Should().StartWith("RankFailedException: Rank 1 stopped the group: rank 1 could not build its DistributedGrowthScheduler: InvalidOptionsException:").And.Contain("Patience");
    }
}
