using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Options;

[TestFixture]
public sealed class PruningOptionsTests
{
    [Test]
    public void Default_IsValidAndMatchesDocumentedValues()
    {
        var options = new PruningOptions().Validate();

        options.Criterion.Should().Be(PruningCriterion.OutputScale);
        options.Granularity.Should().Be(PruningGranularity.Set);
        options.Threshold.Should().Be(1e-3);
    }

    [Test]
    public void Validate_EveryValueBad_ReportsEveryOneAtOnce()
    {
        var act = () => new PruningOptions { Criterion = (PruningCriterion)5, Granularity = (PruningGranularity)6, Threshold = double.NaN }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("Criterion", "Granularity", "Threshold");
    }
}
