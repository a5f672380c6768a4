using System.Linq;
using Dendritic.Onnx.Proto;
using Dendritic.Onnx.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// Every model family is exported with 0, 1 and 3 dendrite sets per layer, loaded in ONNX Runtime and run on a batch
/// size other than the sample's (the batch axis is dynamic); outputs must match TorchSharp's (<see cref="Parity"/>).
/// </summary>
public class ExportParityTests
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(3)]
    public void Export_Mlp_MatchesTorchSharpInOnnxRuntime(int sets)
    {
        torch.manual_seed(10 + sets);
        using var model = Models.Mlp(sets);
        Parity.ExportShouldMatch(model, randn(2, 8), randn(7, 8) * 3);
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(3)]
    public void Export_Cnn_MatchesTorchSharpInOnnxRuntime(int sets)
    {
        torch.manual_seed(20 + sets);
        using var model = Models.Cnn(sets);
        Parity.ExportShouldMatch(model, randn(2, 3, 8, 8), randn(5, 3, 8, 8) * 2);
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(3)]
    public void Export_SequenceModel_MatchesTorchSharpInOnnxRuntime(int sets)
    {
        torch.manual_seed(30 + sets);
        using var model = Models.Sequence(sets);
        Parity.ExportShouldMatch(model, randn(2, 10, 6), randn(4, 10, 6) * 2);
    }

    [TestCase(1)]
    [TestCase(3)]
    public void Export_DendriteLayer_WritesOneProjectionForHostAndAllSets(int sets)
    {
        torch.manual_seed(40);
        using var model = Models.Cnn(sets);
        using var sample = randn(2, 3, 8, 8);
        var proto = ModelProto.Parser.ParseFrom(TestHandles.Export(model, sample));

        // Two dendritic convolutions and one dendritic Linear: one Conv/Gemm each, whatever the number of sets.
        proto.Graph.Node.Count(n => n.OpType == "Conv").Should().Be(2);
        proto.Graph.Node.Count(n => n.OpType is "Gemm" or "MatMul").Should().Be(1);
        proto.Graph.Node.Count(n => n.OpType == "Split").Should().Be(3);
        proto.OpsetImport.Single().Version.Should().Be(OnnxExporter.OpsetVersion);
        proto.Graph.Input.Single().Type.TensorType.Shape.Dim[0].DimParam.Should().Be("batch");
        proto.Graph.Output.Single().Type.TensorType.Shape.Dim[0].DimParam.Should().Be("batch");
    }

    [Test]
    public void Export_DisabledDendrites_ExportsHostOnly()
    {
        torch.manual_seed(41);
        var layer = Models.Dendritic(nn.Linear(5, 4), 2, 11);
        layer.Enabled = false;
        using var model = nn.Sequential(layer);
        using var sample = randn(3, 5);
        var proto = ModelProto.Parser.ParseFrom(TestHandles.Export(model, sample));

        proto.Graph.Node.Should().NotContain(n => n.OpType == "Split");
        Parity.ExportShouldMatch(model, sample, randn(6, 5));
    }

    [Test]
    public void Export_FixedBatch_WritesSampleShape()
    {
        using var model = Models.Mlp(1);
        using var sample = randn(3, 8);
        var proto = ModelProto.Parser.ParseFrom(TestHandles.Export(model, sample, new OnnxExportOptions { DynamicBatch = false }));

        proto.Graph.Input.Single().Type.TensorType.Shape.Dim.Select(d => d.DimValue).Should().Equal(3, 8);
        Parity.ExportShouldMatch(model, sample, randn(3, 8), new OnnxExportOptions { DynamicBatch = false });
    }
}
