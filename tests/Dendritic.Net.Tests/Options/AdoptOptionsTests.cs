using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;

namespace Dendritic.Tests.Options;

[TestFixture]
public sealed class AdoptOptionsTests
{
    [Test]
    public void Default_IsValidAndMatchesDocumentedValues()
    {
        var options = AdoptOptions.Default.Validate();

        options.Logger.Should().BeSameAs(NullLogger.Instance);
        options.Should().Be(new AdoptOptions());
    }

    [Test]
    public void Validate_NullLogger_ReportsItWithItsDefault()
    {
        var act = () => new AdoptOptions { Logger = null! }.Validate();

        var thrown = act.Should().Throw<InvalidOptionsException>().Which;
        thrown.OptionNames.Should().Equal("Logger");
        thrown.Message.Should().Contain("NullLogger.Instance");
    }
}
