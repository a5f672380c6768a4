using System;
using Dendritic.Onnx.Tests.Support;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>What cannot be exported fails with a message naming the module's path and type.</summary>
public class ExportErrorTests
{
    [Test]
    public void Export_UnsupportedModule_ThrowsNamingPathAndType()
    {
        using var model = nn.Sequential(nn.Linear(3, 3), nn.Sequential(nn.ReLU(), new Doubler()));
        using var sample = randn(2, 3);

        var act = () => TestHandles.Export(model, sample);

        var error = act.Should().Throw<OnnxExportException>().Which;
        error.ModulePath.Should().Be("1.1");
        error.ModuleType.Should().Be(nameof(Doubler));
        error.Message.Should().Contain("'1.1'").And.Contain(nameof(Doubler)).And.Contain(nameof(IOnnxExportable));
    }

    [Test]
    public void Export_UnsupportedRootModule_NamesTheModelAsTheExporterDoes()
    {
        using var model = new Doubler();
        using var sample = randn(2, 3);

        var act = () => TestHandles.Export(model, sample);

        var error = act.Should().Throw<OnnxExportException>().Which;
        error.ModulePath.Should().BeEmpty();
        error.Message.Should().StartWith($"The model ({nameof(Doubler)}): ");
    }

    [Test]
    public void Export_TwoInputModel_SaysTheExporterTakesOneInputAndWhatToExport()
    {
        using var model = new TwoInputSum();
        using var sample = randn(2, 3);

        var act = () => TestHandles.Export(model, sample);

        var error = act.Should().Throw<OnnxExportException>().Which;
        error.ModuleType.Should().Be(nameof(TwoInputSum));
        error.Message.Should().Contain("takes 2 inputs").And.Contain("one input tensor").And.Contain("single-input module");
    }

    [Test]
    public void Export_TwoInputModelWithADescription_IsRefusedNotWrittenUnchecked()
    {
        using var model = new DescribedTwoInputSum();
        using var sample = randn(2, 3);

        var act = () => TestHandles.Export(model, sample);

        var error = act.Should().Throw<OnnxExportException>().Which;
        error.ModuleType.Should().Be(nameof(DescribedTwoInputSum));
        error.Message.Should().Contain("takes 2 inputs").And.Contain("single-input module");
    }

    [Test]
    public void Export_UnsupportedSingleInputModule_HasNoInputCountNote()
    {
        using var model = new Doubler();
        using var sample = randn(2, 3);

        var act = () => TestHandles.Export(model, sample);

        act.Should().Throw<OnnxExportException>().Which.Message.Should().NotContain("inputs");
    }

    [Test]
    public void Export_CircularPadding_ThrowsNamingTheLayer()
    {
        using var model = nn.Sequential(Models.Dendritic(nn.Conv1d(2, 2, 3, padding: 1, padding_mode: PaddingModes.Circular), 1, 1));
        using var sample = randn(2, 2, 8);

        var act = () => TestHandles.Export(model, sample);

        act.Should().Throw<OnnxExportException>().Where(e => e.ModulePath == "0" && e.Message.Contains("Circular", StringComparison.Ordinal));
    }

    [Test]
    public void Export_HookThatChangesOutput_Throws()
    {
        var linear = nn.Linear(3, 3);
        using var model = nn.Sequential(linear, nn.ReLU());
        linear.register_forward_hook((module, input, output) => output * 2);
        using var sample = randn(2, 3);

        var act = () => TestHandles.Export(model, sample);

        act.Should().Throw<OnnxExportException>().Where(e => e.ModulePath == "0" && e.Message.Contains("hook", StringComparison.Ordinal));
    }

    [Test]
    public void Export_AvgPoolDivisorOverride_Throws()
    {
        using var model = nn.Sequential(nn.AvgPool2d(2, divisor_override: 3));
        using var sample = randn(1, 1, 4, 4);

        var act = () => TestHandles.Export(model, sample);

        act.Should().Throw<OnnxExportException>().Where(e => e.Message.Contains("divisor_override", StringComparison.Ordinal));
    }

    [Test]
    public void Export_IntegerSample_ThrowsArgumentException()
    {
        using var model = nn.Sequential(nn.Linear(3, 3));
        using var sample = ones(2, 3, dtype: int64);

        var act = () => TestHandles.Export(model, sample);

        act.Should().Throw<ArgumentException>().WithParameterName("sampleInput");
    }

    [Test]
    public void Export_SampleOfAnotherFloatType_ThrowsNamingBothTypes()
    {
        using var model = nn.Sequential(nn.Linear(3, 3));
        using var sample = randn(2, 3, dtype: float64);

        var act = () => TestHandles.Export(model, sample);

        act.Should().Throw<ArgumentException>().WithParameterName("sampleInput")
            .Where(e => e.Message.Contains("Float64", StringComparison.Ordinal) && e.Message.Contains("Float32", StringComparison.Ordinal));
    }

    [Test]
    public void Export_SampleOfWrongWidth_ThrowsOnnxExportExceptionWithTheCause()
    {
        using var model = nn.Sequential(nn.Linear(3, 3), nn.ReLU());
        using var sample = randn(2, 5);

        var act = () => TestHandles.Export(model, sample);

        var error = act.Should().Throw<OnnxExportException>().Which;
        error.Message.Should().Contain("2x5").And.Contain("shaped like the model's training input");
        error.InnerException.Should().NotBeNull();
    }

    [Test]
    public void Validate_SameInputAndOutputName_ThrowsNamingOutputName()
    {
        var act = () => new OnnxExportOptions { InputName = "x", OutputName = "x" }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal(nameof(OnnxExportOptions.OutputName));
    }

    [Test]
    public void Export_UnwrappedHandle_ThrowsLikeAddDendritesAndWritesNothing()
    {
        var handle = Dendrites.Wrap(nn.Sequential(("fc", nn.Linear(3, 2))));
        handle.Unwrap();
        using var sample = randn(2, 3);
        using var folder = new TempFolder();
        var path = folder.File("unwrapped.onnx");
        var expected = FluentActions.Invoking(() => handle.AddDendrites()).Should().Throw<InvalidOperationException>().Which.Message;

        var act = () => OnnxExporter.Export(handle, sample, path);

        act.Should().Throw<InvalidOperationException>().Which.Message.Should().Be(expected);
        System.IO.File.Exists(path).Should().BeFalse();
    }

    [Test]
    public void Export_ModelInTrainingMode_RestoresTrainingMode()
    {
        using var model = Models.Mlp(1);
        model.train();
        using var sample = randn(2, 8);

        TestHandles.Export(model, sample);

        model.training.Should().BeTrue();
    }

    [TestCase(2_147_483_648L)]
    [TestCase(-1L)]   // CalculateSize's int wrapped past int.MaxValue
    public void ThrowIfTooLarge_PastProtobufsLimit_ThrowsNamingTheLimit(long bytes)
    {
        var act = () => OnnxExporter.ThrowIfTooLarge(bytes);

        act.Should().Throw<OnnxExportException>().WithMessage("*past protobuf's 2 GiB limit*no external data*");
    }

    [Test]
    public void ThrowIfTooLarge_AtTheLimit_Passes() =>
        FluentActions.Invoking(() => OnnxExporter.ThrowIfTooLarge(int.MaxValue)).Should().NotThrow();
}
