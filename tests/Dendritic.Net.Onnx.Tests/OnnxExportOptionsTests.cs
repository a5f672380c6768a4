using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Onnx.Tests;

[TestFixture]
public sealed class OnnxExportOptionsTests
{
    [Test]
    public void Default_IsValidAndMatchesDocumentedValues()
    {
        var options = new OnnxExportOptions().Validate();

        options.InputName.Should().Be("input");
        options.OutputName.Should().Be("output");
        options.DynamicBatch.Should().BeTrue();
        options.GraphName.Should().Be("dendritic");
        options.InputBatchAxis.Should().Be(0);
        options.OutputBatchAxis.Should().Be(0);
    }

    [Test]
    public void Validate_EveryNameBlank_ReportsEveryOneAtOnce()
    {
        var act = () => new OnnxExportOptions { InputName = " ", OutputName = "", GraphName = null! }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("InputName", "OutputName", "GraphName");
    }

    [Test]
    public void Validate_NegativeBatchAxes_ReportsBothAtOnce()
    {
        var act = () => new OnnxExportOptions { InputBatchAxis = -1, OutputBatchAxis = -2 }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("InputBatchAxis", "OutputBatchAxis");
    }
}
