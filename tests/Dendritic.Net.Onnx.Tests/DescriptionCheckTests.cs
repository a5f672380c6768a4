using System.Collections.Generic;
using System.Linq;
using Dendritic.Onnx.Tests.Support;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// A user's ExportOnnx description is checked against the module's own forward on the sample input: a faithful one
/// exports, one that computes something else is refused naming the module, one the exporter cannot compute is
/// written with a warning (event 8000).
/// </summary>
public class DescriptionCheckTests
{
    [Test]
    public void Export_HookedCnnWithFaithfulDescription_PassesTheCheckAndMatchesTorchSharp()
    {
        torch.manual_seed(800);
        using var model = new HookedCnn();
        using var sample = randn(HookedCnn.InputShape(2));
        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2, Logger = logger }, sample);
        handle.Layers.Should().HaveCount(4).And.OnlyContain(l => l.Mode == AttachMode.Hooked);
        Cascades.Randomise(handle, 801);

        var bytes = OnnxExporter.ExportToBytes(handle, sample);

        logger.Entries.Should().NotContain(e => e.EventId == 8000);
        using var input = randn(HookedCnn.InputShape(3));
        Parity.ShouldRunLike(bytes, model, input);
    }

    [Test]
    public void Export_HookedCnnDescriptionMissingARelu_ThrowsNamingTheModuleAndTheDifference()
    {
        torch.manual_seed(802);
        using var model = new HookedCnn(omitFc1Relu: true);
        using var sample = randn(HookedCnn.InputShape(2));
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 }, sample);
        Cascades.Randomise(handle, 803);

        var act = () => OnnxExporter.ExportToBytes(handle, sample);

        var error = act.Should().Throw<OnnxExportException>().Which;
        error.ModulePath.Should().BeEmpty();
        error.ModuleType.Should().Be(nameof(HookedCnn));
        error.Message.Should().StartWith($"The model ({nameof(HookedCnn)}): its ExportOnnx description")
            .And.Contain("the largest difference is").And.Contain("at output index [")
            .And.Contain("describes a different computation than forward").And.Contain("activations");
    }

    [Test]
    public void Export_NestedModuleDescriptionMissingARelu_NamesItsPath()
    {
        // A model without dendrites, exported without a handle: the module overloads check descriptions too.
        torch.manual_seed(804);
        using var model = nn.Sequential(("body", new HookedCnn(omitFc1Relu: true)), ("head", nn.LogSoftmax(1)));
        using var sample = randn(HookedCnn.InputShape(2));

        var act = () => OnnxExporter.ExportToBytes(model, sample);

        act.Should().Throw<OnnxExportException>().Where(e => e.ModulePath == "body" && e.ModuleType == nameof(HookedCnn))
            .WithMessage($"Module 'body' ({nameof(HookedCnn)}): its ExportOnnx description*the largest difference is*");
    }

    [Test]
    public void Export_DescriptionWithAnOperatorTheExporterCannotCompute_LogsAWarningAndStillExports()
    {
        torch.manual_seed(805);
        using var model = new DescribedModule(5, h => h.cumsum(1), CumSum);
        using var sample = randn(2, 5);
        var logger = new RecordingLogger();

        var bytes = OnnxExporter.ExportToBytes(model, sample, new OnnxExportOptions { Logger = logger });

        var entry = logger.Entries.Should().ContainSingle().Which;
        entry.EventId.Should().Be(8000);
        entry.Level.Should().Be(LogLevel.Warning);
        entry.Message.Should().StartWith($"The model ({nameof(DescribedModule)}): its ONNX graph description was not checked")
            .And.Contain("CumSum");
        using var input = randn(4, 5);
        Parity.ShouldRunLike(bytes, model, input);
    }

    [Test]
    public void Export_DescriptionWithAnOpset11AxesAttribute_LogsAWarningNamingItInsteadOfPassing()
    {
        // Squeeze with 'axes' as an attribute (opset 11) is not valid in opset 17, which ONNX Runtime refuses to load;
        // read without it, it squeezes no axis of the [2, 5] sample and would pass the check.
        torch.manual_seed(806);
        using var model = new DescribedModule(5, h => h, (builder, h) => builder.AddNode("Squeeze", new[] { h }, new Dictionary<string, object> { ["axes"] = new long[] { 1 } }));
        using var sample = randn(2, 5);
        var logger = new RecordingLogger();

        OnnxExporter.ExportToBytes(model, sample, new OnnxExportOptions { Logger = logger });

        logger.Entries.Should().ContainSingle(e => e.EventId == 8000).Which.Message.Should().Contain("'axes'").And.Contain("opset 13");
    }

    [Test]
    public void Export_UncheckedDescriptionThroughAHandle_LogsToTheHandlesLogger()
    {
        torch.manual_seed(806);
        using var model = new DescribedModule(5, h => h.cumsum(1), CumSum);
        using var sample = randn(2, 5);
        var logger = new RecordingLogger();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1, Logger = logger }, sample);
        Cascades.Randomise(handle, 807);

        var bytes = OnnxExporter.ExportToBytes(handle, sample);

        logger.Entries.Should().ContainSingle(e => e.EventId == 8000).Which.Message.Should().Contain("CumSum");
        using var input = randn(3, 5);
        Parity.ShouldRunLike(bytes, model, input);
    }

    [Test]
    public void Mismatch_WithinTheTolerance_IsNull()
    {
        using var expected = tensor(new[] { 1000.0, -2.0, 0.0 });
        using var described = tensor(new[] { 1000.05, -2.0001, 0.005 });

        Export.DescriptionCheck.Mismatch(described, expected).Should().BeNull();
    }

    [Test]
    public void Mismatch_OneElementOff_NamesItsIndexAndBothValues()
    {
        using var expected = arange(12, float64).reshape(3, 4);
        using var described = expected.clone();
        described[2, 1] = tensor(3.5, float64);

        var mismatch = Export.DescriptionCheck.Mismatch(described, expected);

        mismatch.Should().Contain("the largest difference is 5.5 at output index [2, 1]").And.Contain("described 3.5, forward 9");
    }

    [Test]
    public void Mismatch_DifferentShapes_NamesBoth()
    {
        using var expected = zeros(2, 3);
        using var described = zeros(2, 3, 1);

        Export.DescriptionCheck.Mismatch(described, expected).Should().Contain("[2, 3, 1]").And.Contain("[2, 3]");
    }

    [Test]
    public void Mismatch_NanAndInfinityOnBothSides_Agree()
    {
        using var expected = tensor(new[] { double.NaN, double.PositiveInfinity, 1.0 });
        using var described = tensor(new[] { double.NaN, double.PositiveInfinity, 1.0 });

        Export.DescriptionCheck.Mismatch(described, expected).Should().BeNull();
    }

    [Test]
    public void Mismatch_NanOnOneSideOnly_IsTheLargestDifference()
    {
        using var expected = tensor(new[] { 1.0, 2.0, 3.0 });
        using var described = tensor(new[] { 1.5, double.NaN, 3.0 });

        Export.DescriptionCheck.Mismatch(described, expected).Should().Contain("at output index [1]");
    }

    /// <summary>h.cumsum(1) as ONNX's CumSum, an operator the exporter does not compute on the sample.</summary>
    private static string CumSum(OnnxGraphBuilder builder, string h)
    {
        using var axis = tensor(1L);
        return builder.AddNode("CumSum", new[] { h, builder.AddInitializer(axis, "axis") });
    }
}
