using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Options;

[TestFixture]
public sealed class CascadeCorrelationOptionsTests
{
    [Test]
    public void Default_IsValidAndMatchesDocumentedValues()
    {
        var options = new CascadeCorrelationOptions().Validate();

        options.MaxEpochs.Should().Be(50);
        options.Patience.Should().Be(3);
        options.MinRelativeImprovement.Should().Be(0.01);
        options.LearningRate.Should().Be(0.01);
        options.PoolSize.Should().Be(1);
    }

    [Test]
    public void Validate_EveryValueBad_ReportsEveryOneAtOnceWithDefaults()
    {
        var act = () => new CascadeCorrelationOptions { MaxEpochs = 0, Patience = 0, MinRelativeImprovement = -1, LearningRate = 0, PoolSize = 0 }.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal("MaxEpochs", "Patience", "MinRelativeImprovement", "LearningRate", "PoolSize");
        thrown.Message.Should().Contain("(default 50)").And.Contain("(default 3)").And.Contain("(default 0.01)").And.Contain("(default 1)");
    }

    [Test]
    public void GrowthOptionsValidate_BadNestedValues_ReportsThemWithTheNestedPath()
    {
        var act = () => new GrowthOptions { Patience = -1, CascadeCorrelation = new CascadeCorrelationOptions { PoolSize = 0 } }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("Patience", "CascadeCorrelation.PoolSize");
    }
}
