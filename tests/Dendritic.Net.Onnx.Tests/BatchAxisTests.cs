using System.Linq;
using Dendritic.Onnx.Proto;
using Dendritic.Onnx.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// <see cref="OnnxExportOptions.InputBatchAxis"/> and <see cref="OnnxExportOptions.OutputBatchAxis"/>: a time-first
/// model's batch is marked where it is, the file runs on another batch size, and axes that cannot be the batch are refused.
/// </summary>
public class BatchAxisTests
{
    [Test]
    public void Export_TimeFirstClassifierWithInputBatchAxis1_MarksTheBatchAndRunsAnotherBatchSize()
    {
        torch.manual_seed(500);
        using var model = new RecurrentClassifier(false, 4, 5, 1, false, false, 3);
        using var sample = randn(6, 2, 4);
        var options = new OnnxExportOptions { InputBatchAxis = 1 };

        var bytes = OnnxExporter.ExportToBytes(model, sample, options);

        var graph = ModelProto.Parser.ParseFrom(bytes).Graph;
        Dims(graph.Input.Single()).Should().Equal("6", "batch", "4");
        Dims(graph.Output.Single()).Should().Equal("batch", "3");
        Parity.ShouldRunLike(bytes, model, randn(6, 5, 4));
    }

    [Test]
    public void Export_TimeFirstSequenceOutputWithOutputBatchAxis1_MarksTheBatchAndRunsAnotherBatchSize()
    {
        torch.manual_seed(510);
        using var model = new TimeFirstTagger(4, 5, 3);
        using var sample = randn(6, 2, 4);
        var options = new OnnxExportOptions { InputBatchAxis = 1, OutputBatchAxis = 1 };

        var bytes = OnnxExporter.ExportToBytes(model, sample, options);

        var graph = ModelProto.Parser.ParseFrom(bytes).Graph;
        Dims(graph.Input.Single()).Should().Equal("6", "batch", "4");
        Dims(graph.Output.Single()).Should().Equal("6", "batch", "3");
        Parity.ShouldRunLike(bytes, model, randn(6, 5, 4));
    }

    [Test]
    public void Export_TimeFirstModelWithDefaultBatchAxes_ThrowsNamingTheFix()
    {
        torch.manual_seed(520);
        using var model = new RecurrentClassifier(true, 4, 5, 1, false, false, 3);
        using var sample = randn(6, 2, 4);

        var act = () => OnnxExporter.ExportToBytes(model, sample);

        act.Should().Throw<InvalidOptionsException>()
            .Where(e => e.OptionNames.SequenceEqual(new[] { nameof(OnnxExportOptions.OutputBatchAxis) }))
            .WithMessage("*size 2*size 6*InputBatchAxis = 1*");
    }

    [Test]
    public void Export_BatchAxesOutsideTheirTensors_ReportsBothAtOnce()
    {
        torch.manual_seed(530);
        using var model = Models.Mlp(0);
        using var sample = randn(2, 8);

        var act = () => TestHandles.Export(model, sample, new OnnxExportOptions { InputBatchAxis = 2, OutputBatchAxis = 2 });

        act.Should().Throw<InvalidOptionsException>()
            .Which.OptionNames.Should().Equal(nameof(OnnxExportOptions.InputBatchAxis), nameof(OnnxExportOptions.OutputBatchAxis));
    }

    [Test]
    public void Export_TimeFirstSampleWithAsManyStepsAsSequencesAndDefaultAxes_IsRefusedByTheProbe()
    {
        // time = batch = 2: the sizes agree, so only the second run (3 steps, the output still 2 long) tells the axes apart.
        torch.manual_seed(540);
        using var model = new RecurrentClassifier(true, 4, 5, 1, false, false, 3);
        using var sample = randn(2, 2, 4);

        var act = () => OnnxExporter.ExportToBytes(model, sample);

        act.Should().Throw<InvalidOptionsException>()
            .Where(e => e.OptionNames.SequenceEqual(new[] { nameof(OnnxExportOptions.OutputBatchAxis) }))
            .WithMessage("*with one more along input axis 0 ([3, 2, 4]) the output is [2, 3], not [3, 3]*InputBatchAxis = 1*");
    }

    [Test]
    public void Export_TimeFirstSampleWithAsManyStepsAsSequencesAndInputBatchAxis1_RunsAnotherBatchSize()
    {
        torch.manual_seed(541);
        using var model = new RecurrentClassifier(true, 4, 5, 1, false, false, 3);
        using var sample = randn(2, 2, 4);

        var bytes = OnnxExporter.ExportToBytes(model, sample, new OnnxExportOptions { InputBatchAxis = 1 });

        Dims(ModelProto.Parser.ParseFrom(bytes).Graph.Input.Single()).Should().Equal("2", "batch", "4");
        Parity.ShouldRunLike(bytes, model, randn(2, 5, 4));
    }

    [Test]
    public void Export_OutputAxisAsLongAsTheBatchByChance_IsRefusedByTheProbe()
    {
        // The MLP's output is [batch, 4]; with a batch of 4, OutputBatchAxis = 1 has the batch's size too.
        torch.manual_seed(542);
        using var model = Models.Mlp(0);
        using var sample = randn(4, 8);

        var act = () => TestHandles.Export(model, sample, new OnnxExportOptions { OutputBatchAxis = 1 });

        act.Should().Throw<InvalidOptionsException>()
            .Where(e => e.OptionNames.SequenceEqual(new[] { nameof(OnnxExportOptions.OutputBatchAxis) }))
            .WithMessage("*the output is [5, 4], not [4, 5]*");
    }

    [Test]
    public void Export_ModelThatCannotTakeAnotherBatchSize_IsRefusedNamingInputBatchAxis()
    {
        torch.manual_seed(543);
        using var model = new DescribedModule(6, h => h.reshape(2, 6), (b, h) =>
        {
            using var shape = tensor(new long[] { 2, 6 });
            return b.AddNode("Reshape", new[] { h, b.AddInitializer(shape, "shape") });
        });
        using var sample = randn(2, 6);

        var act = () => OnnxExporter.ExportToBytes(model, sample);

        act.Should().Throw<InvalidOptionsException>()
            .Where(e => e.OptionNames.SequenceEqual(new[] { nameof(OnnxExportOptions.InputBatchAxis) }))
            .WithMessage("*([3, 6]) the forward pass fails*DynamicBatch = false*");
    }

    private static string[] Dims(ValueInfoProto value) =>
        value.Type.TensorType.Shape.Dim.Select(d => d.DimParam.Length > 0 ? d.DimParam : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

}
