using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Results;

public class ReportWriterFormatTests
{
    [TestCase(0.42, "+0.42")]
    [TestCase(-1.66, "-1.66")]
    [TestCase(0.0, "0.00")]
    [TestCase(-2e-16, "0.00")]
    [TestCase(0.00004, "0.00")]
    [TestCase(0.0046, "+0.0046")]
    [TestCase(-0.0046, "-0.0046")]
    [TestCase(0.005, "+0.01")]
    public void FormatSigned_Value_PrintsSignAndEnoughDecimalsToShowTheSide(double value, string expected)
    {
        ReportWriter.FormatSigned(value).Should().Be(expected);
    }
}
