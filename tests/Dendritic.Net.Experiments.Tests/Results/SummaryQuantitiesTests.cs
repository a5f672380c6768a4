using System.Linq;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Results;

[TestFixture]
public sealed class SummaryQuantitiesTests
{
    [Test]
    public void All_ArmSummaryStatistics_ListsEachOnce()
    {
        // summary.csv's columns and the merge's check for infinite summaries both read this list: a quantity added to
        // ArmSummary and not to it would be neither written nor checked.
        var statistics = typeof(ArmSummary).GetProperties().Where(p => p.PropertyType == typeof(StatSummary)).Select(p => p.Name);

        SummaryQuantities.All.Select(q => q.Name).Should().OnlyHaveUniqueItems().And.BeEquivalentTo(statistics);
        SummaryQuantities.All.Select(q => q.Column).Should().OnlyHaveUniqueItems();
    }
}
