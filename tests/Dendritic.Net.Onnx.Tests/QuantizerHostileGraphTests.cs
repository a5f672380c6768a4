using System;
using System.Linq;
using Dendritic.Onnx.Proto;
using Dendritic.Onnx.Quantization;
using FluentAssertions;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using static Dendritic.Onnx.Tests.Support.HostileModels;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// Crafted ONNX graphs whose structure or projection nodes are not what ONNX defines (a name made twice or never, a
/// cycle, a Gemm, MatMul or Conv of the wrong form): refused with an <see cref="OnnxQuantizationException"/> naming the
/// node or value, where they had given a model that computes something else, or none a runtime loads. Valid forms the
/// quantizer does not rewrite stay float.
/// </summary>
public class QuantizerHostileGraphTests
{
    [Test]
    public void Quantize_TwoInitializersOfOneName_ThrowsNamingIt()
    {
        var model = Linear();
        model.Graph.Initializer.Add(Floats("w", Values(8).Select(v => v * 3).ToArray(), 2, 4));

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.ValueName.Should().Be("w");
            e.Message.Should().Contain("'w'").And.Contain("twice");
        });
    }

    [Test]
    public void Quantize_InitializerWithoutAName_Throws()
    {
        var model = Linear();
        model.Graph.Initializer.Add(Floats(string.Empty, Values(8), 2, 4));

        Refusals(model).Should().AllSatisfy(e => e.Message.Should().Contain("no name"));
    }

    [TestCase("two nodes")]
    [TestCase("a node and an initializer")]
    [TestCase("a node and a graph input")]
    [TestCase("two graph inputs")]
    public void Quantize_ValueProducedTwice_ThrowsNamingIt(string producers)
    {
        var model = Linear();
        var value = "y";
        switch (producers)
        {
            case "two nodes":
                model.Graph.Node.Add(Node("Relu", "relu", new[] { "x" }, new[] { "y" }));
                break;
            case "a node and an initializer":
                model.Graph.Node.Add(Node("Relu", "relu", new[] { "x" }, new[] { "b" }));
                value = "b";
                break;
            case "a node and a graph input":
                model.Graph.Node.Add(Node("Relu", "relu", new[] { "y" }, new[] { "x" }));
                value = "x";
                break;
            default:
                model.Graph.Input.Add(model.Graph.Input[0].Clone());
                value = "x";
                break;
        }

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.ValueName.Should().Be(value);
            e.Message.Should().Contain($"'{value}'").And.Contain("more than once");
        });
    }

    [Test]
    public void Quantize_WeightFromASparseInitializer_StaysFloatAndRunsAsBefore()
    {
        // A sparse initializer is a producer too: the graph check must not take its value for one nothing makes. The
        // Gemm reading it has no dense constant weight, so it stays float, and the file runs as the float one does.
        var model = Linear();
        var values = new TensorProto { Name = "ws", DataType = (int)TensorProto.Types.DataType.Float, Dims = { 3 }, FloatData = { 0.5f, -1f, 2f } };
        var indices = new TensorProto { Name = "ws_indices", DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 3 }, Int64Data = { 0, 5, 7 } };
        model.Graph.SparseInitializer.Add(new SparseTensorProto { Values = values, Indices = indices, Dims = { 2, 4 } });
        model.Graph.Node[0].Input[1] = "ws";
        model.Graph.Initializer.Remove(model.Graph.Initializer.Single(i => i.Name == "w"));
        using var input = OrtValue.CreateTensorValueFromMemory(new float[] { 1, -2, 0.5f, 3, -1, 0.25f, 2, -0.5f }, new long[] { 2, 4 });

        var result = OnnxQuantizer.QuantizeDynamic(model.ToByteArray());

        result.FloatNodes.Should().ContainSingle().Which.Should().StartWith("fc: ");
        Run(result.Model, input).Should().Equal(Run(model.ToByteArray(), input));
    }

    [Test]
    public void Quantize_NodeReadingAValueNothingProduces_ThrowsNamingNodeAndValue()
    {
        var model = Linear();
        model.Graph.Node[0].Input[0] = "ghost";

        Refusals(model).Should().AllSatisfy(e =>
        {
            (e.NodeName, e.ValueName).Should().Be(("fc", "ghost"));
            e.Message.Should().Contain("'fc'").And.Contain("'ghost'");
        });
    }

    [Test]
    public void Quantize_GraphOutputNothingProduces_ThrowsNamingIt()
    {
        var model = Linear();
        model.Graph.Output.Add(new ValueInfoProto { Name = "phantom" });

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.ValueName.Should().Be("phantom");
            e.Message.Should().Contain("'phantom'");
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Quantize_CyclicGraph_ThrowsNamingANodeOnTheCycle(bool selfLoop)
    {
        var model = Linear();
        if (selfLoop)
        {
            // fc reads its own output.
            model.Graph.Node[0].Input[0] = "y";
        }
        else
        {
            // fc reads h, relu makes h from fc's output: each waits for the other.
            model.Graph.Node[0].Input[0] = "h";
            model.Graph.Node.Add(Node("Relu", "relu", new[] { "y" }, new[] { "h" }));
        }

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.NodeName.Should().BeOneOf("fc", "relu");
            e.Message.Should().Contain("cycle").And.Contain($"'{e.NodeName}'");
        });
    }

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(5)]
    public void Quantize_GemmWeightOfRankOtherThanTwo_ThrowsNamingNodeAndRank(int rank)
    {
        var dims = new long[rank];
        Array.Fill(dims, 1L);
        dims[0] = 8;
        var model = Model(new[] { Node("Gemm", "fc", new[] { "x", "w" }, new[] { "y" }) }, Floats("w", Values(8), dims));

        Refusals(model).Should().AllSatisfy(e =>
        {
            (e.NodeName, e.ValueName).Should().Be(("fc", "w"));
            e.Message.Should().Contain($"rank {rank}");
        });
    }

    [TestCase(1)]
    [TestCase(2)]
    public void Quantize_ConvWeightBelowRankThree_ThrowsNamingNodeAndRank(int rank)
    {
        var dims = new long[rank];
        Array.Fill(dims, 2L);
        var model = Model(new[] { Node("Conv", "conv", new[] { "x", "w" }, new[] { "y" }) }, Floats("w", Values(1 << rank), dims));

        Refusals(model).Should().AllSatisfy(e =>
        {
            (e.NodeName, e.ValueName).Should().Be(("conv", "w"));
            e.Message.Should().Contain($"rank {rank}");
        });
    }

    [Test]
    public void Quantize_MatMulWeightOfRankThree_StaysFloatWithTheReason()
    {
        // Valid ONNX (a batched MatMul), with no int8 rewrite here: kept float, as documented.
        var model = Model(new[] { Node("MatMul", "mm", new[] { "x", "w" }, new[] { "y" }) }, Floats("w", Values(8), 1, 4, 2));

        var result = OnnxQuantizer.QuantizeDynamic(model.ToByteArray());

        result.QuantizedNodes.Should().BeEmpty();
        result.FloatNodes.Should().ContainSingle().Which.Should().StartWith("mm: ").And.Contain("rank-3");
    }

    [TestCase(2L)]
    [TestCase(-1L)]
    [TestCase(long.MaxValue)]
    public void Quantize_GemmTransBOtherThanZeroOrOne_ThrowsNamingTheValue(long transB)
    {
        // ONNX Runtime transposes B for any transB other than 0; the quantizer took only 1 as transposed and laid a
        // transB = 2 weight out untransposed, so the dynamic model computed x · B instead of x · Bᵀ.
        var model = Linear();
        model.Graph.Node[0].Attribute.Single(a => a.Name == "transB").I = transB;

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.NodeName.Should().Be("fc");
            e.Message.Should().Contain("transB").And.Contain(transB.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
    }

    [Test]
    public void Quantize_GemmTransBAsAFloatAttribute_ThrowsNamingTheType()
    {
        var model = Linear();
        var transB = model.Graph.Node[0].Attribute.Single(a => a.Name == "transB");
        transB.Type = AttributeProto.Types.AttributeType.Float;
        transB.I = 0;
        transB.F = 1;

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.NodeName.Should().Be("fc");
            e.Message.Should().Contain("transB").And.Contain("Float");
        });
    }

    [Test]
    public void Quantize_ConvWithAnEnormousGroup_KeepsTheAttributeAsItIs()
    {
        // The quantizer neither reads nor sizes anything by group: it goes to the integer Conv as written, for
        // ONNX Runtime to refuse as it would refuse the float model.
        var conv = Node("Conv", "conv", new[] { "x", "w" }, new[] { "y" });
        conv.Attribute.Add(new AttributeProto { Name = "group", Type = AttributeProto.Types.AttributeType.Int, I = long.MaxValue });
        var model = Model(new[] { conv }, Floats("w", Values(8), 2, 1, 2, 2));

        var dynamic = ModelProto.Parser.ParseFrom(OnnxQuantizer.QuantizeDynamic(model.ToByteArray()).Model);
        var quantized = ModelProto.Parser.ParseFrom(OnnxQuantizer.QuantizeStatic(model.ToByteArray(), Calibration).Model);

        dynamic.Graph.Node.Single(n => n.OpType == "ConvInteger").Attribute.Single(a => a.Name == "group").I.Should().Be(long.MaxValue);
        quantized.Graph.Node.Single(n => n.OpType == "Conv").Attribute.Single(a => a.Name == "group").I.Should().Be(long.MaxValue);
    }

    [TestCase("Gemm")]
    [TestCase("MatMul")]
    [TestCase("Conv")]
    public void Quantize_ProjectionWithoutAnOutput_ThrowsNamingTheNode(string opType)
    {
        var model = Model(new[] { Node(opType, "p", new[] { "x", "w" }, Array.Empty<string>()) }, Floats("w", Values(8), 2, 1, 2, 2));
        model.Graph.Output.Clear();
        if (opType != "Conv")
        {
            model.Graph.Initializer[0] = Floats("w", Values(8), 4, 2);
        }

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.NodeName.Should().Be("p");
            e.Message.Should().Contain("'p'").And.Contain("0 outputs");
        });
    }

    [TestCase("MatMul", 3)]
    [TestCase("Gemm", 4)]
    [TestCase("Conv", 4)]
    [TestCase("Gemm", 1)]
    public void Quantize_ProjectionWithAnInputCountOnnxDoesNotDefine_ThrowsNamingTheNode(string opType, int inputs)
    {
        // A third MatMul input was taken as a bias and added; a fourth Gemm/Conv input was dropped; a Gemm with no B
        // was kept float as if its B were an activation.
        var names = new[] { "x", "w", "b", "b" }.Take(inputs).ToArray();
        var weight = opType == "Conv" ? Floats("w", Values(8), 2, 1, 2, 2) : Floats("w", Values(8), 4, 2);
        var model = Model(new[] { Node(opType, "p", names, new[] { "y" }) }, weight, Floats("b", new[] { 1f, 2f }, 2));

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.NodeName.Should().Be("p");
            e.Message.Should().Contain("'p'").And.Contain($"{inputs} input");
        });
    }

    [Test]
    public void Quantize_ProjectionWithAnEmptyInputName_ThrowsNamingTheNode()
    {
        var model = Linear();
        model.Graph.Node[0].Input[0] = string.Empty;

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.NodeName.Should().Be("fc");
            e.Message.Should().Contain("'fc'").And.Contain("input 0");
        });
    }

    [Test]
    public void QuantizeDynamic_WeightAlsoAGraphInput_RunsWithTheModelInputAlone()
    {
        // IR 3 files list every initializer as a graph input too. The float weight is replaced by its int8 form, so
        // its graph input has to go with it, or ONNX Runtime asks for 'w' as a required input.
        var model = Linear();
        model.Graph.Input.Add(new ValueInfoProto { Name = "w", Type = FloatType(2, 4) });

        var result = OnnxQuantizer.QuantizeDynamic(model.ToByteArray());

        using var session = new InferenceSession(result.Model);
        session.InputMetadata.Keys.Should().Equal("x");
    }
}
