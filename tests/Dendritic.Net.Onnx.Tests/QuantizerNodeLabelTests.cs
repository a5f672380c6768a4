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
/// How results and errors name nodes, and the names the quantizer adds: every label names one node (two nodes of one
/// name are refused; an unnamed node's <c>#index (OpType)</c> never passes for a real node's name), and no node or
/// value the quantizer adds takes a name the file already uses.
/// </summary>
public class QuantizerNodeLabelTests
{
    [Test]
    public void Quantize_TwoNodesOfOneName_ThrowsNamingTheNameAndBothNodes()
    {
        // QuantizedNodes and FloatNodes could list one name twice, or one name for a node quantized and another kept
        // float; ONNX Runtime refuses such a file anyway ("two nodes with same node name").
        var model = Linear();
        model.Graph.Node[0].Output[0] = "h";
        model.Graph.Node.Add(Node("Relu", "fc", new[] { "h" }, new[] { "y" }));

        Refusals(model).Should().AllSatisfy(e =>
        {
            (e.NodeName, e.ValueName).Should().Be(("fc", string.Empty));
            e.Message.Should().Contain("Node name 'fc' is given to two nodes, at indices 0 (Gemm) and 1 (Relu)");
        });
    }

    [Test]
    public void Quantize_UnnamedNodes_AreLabelledByIndexAndOperator()
    {
        // Any number of nodes may go unnamed; each is labelled by its own index.
        var model = Model(new[] { Node("MatMul", string.Empty, new[] { "x", "w" }, new[] { "h" }), Node("MatMul", string.Empty, new[] { "h", "v" }, new[] { "y" }) }, Floats("w", Values(8), 4, 2), Floats("v", Values(4), 2, 2));

        var result = OnnxQuantizer.QuantizeDynamic(model.ToByteArray());

        result.QuantizedNodes.Should().Equal("#0 (MatMul)", "#1 (MatMul)");
    }

    [TestCase(1, "#0 (MatMul, unnamed)")]
    [TestCase(2, "#0 (MatMul, unnamed 2)")]
    public void Quantize_UnnamedNodeWhoseLabelIsAnotherNodesName_GetsALabelOfItsOwn(int namesTaken, string expected)
    {
        // Node 0 is an unnamed MatMul that is quantized; node 2, a MatMul of two activations kept float, is really
        // named "#0 (MatMul)" (and node 1 "#0 (MatMul, unnamed)" in the second case). Both results had said
        // "#0 (MatMul)", one quantized and one float.
        var nodes = new[]
        {
            Node("MatMul", string.Empty, new[] { "x", "w" }, new[] { "h" }),
            Node("Transpose", namesTaken == 2 ? "#0 (MatMul, unnamed)" : "t", new[] { "h" }, new[] { "ht" }),
            Node("MatMul", "#0 (MatMul)", new[] { "h", "ht" }, new[] { "y" }),
        };
        var model = Model(nodes, Floats("w", Values(16), 4, 4));

        var results = new[] { OnnxQuantizer.QuantizeDynamic(model.ToByteArray()), OnnxQuantizer.QuantizeStatic(model.ToByteArray(), Calibration) };

        results.Should().AllSatisfy(r =>
        {
            r.QuantizedNodes.Should().Equal(expected);
            r.FloatNodes.Should().ContainSingle().Which.Should().StartWith("#0 (MatMul): ");
        });
    }

    [Test]
    public void Quantize_ErrorInAnUnnamedNodeWhoseLabelIsTaken_NamesItByItsOwnLabel()
    {
        var model = Linear();
        model.Graph.Node[0].Name = string.Empty;
        model.Graph.Node[0].Attribute.Single(a => a.Name == "transB").I = 2;
        model.Graph.Node[0].Output[0] = "h";
        model.Graph.Node.Add(Node("Relu", "#0 (Gemm)", new[] { "h" }, new[] { "y" }));

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.NodeName.Should().Be("#0 (Gemm, unnamed)");
            e.Message.Should().Contain("Node '#0 (Gemm, unnamed)' (Gemm) has transB = 2");
        });
    }

    [Test]
    public void Quantize_NamesTheQuantizerWouldAdd_AreLeftToTheFile()
    {
        // The file already uses the names the writers would give: 'x_quantized' as a float value_info entry (the
        // uint8 value the writers made under that name took its type, and ONNX Runtime refused the file), and the
        // node names of a DynamicQuantizeLinear and a QuantizeLinear, on two Identity nodes.
        var model = Model(
            new[]
            {
                Gemm("fc", "x", "w", "b", "h"),
                Node("Identity", "DynamicQuantizeLinear_quant_node", new[] { "h" }, new[] { "h2" }),
                Node("Identity", "QuantizeLinear_quant_node", new[] { "h2" }, new[] { "y" }),
            },
            Floats("w", Values(8), 2, 4),
            Floats("b", new[] { 0.5f, -0.5f }, 2));
        model.Graph.ValueInfo.Add(new ValueInfoProto { Name = "x_quantized", Type = FloatType(2, 4) });
        using var input = OrtValue.CreateTensorValueFromMemory(new float[] { 1, -2, 0.5f, 3, -1, 0.25f, 2, -0.5f }, new long[] { 2, 4 });

        var results = new[] { OnnxQuantizer.QuantizeDynamic(model.ToByteArray()), OnnxQuantizer.QuantizeStatic(model.ToByteArray(), Calibration) };
        var plain = new[] { OnnxQuantizer.QuantizeDynamic(Linear().ToByteArray()), OnnxQuantizer.QuantizeStatic(Linear().ToByteArray(), Calibration) };

        for (var i = 0; i < results.Length; i++)
        {
            var graph = ModelProto.Parser.ParseFrom(results[i].Model).Graph;
            graph.Node.Select(n => n.Name).Should().OnlyHaveUniqueItems();
            graph.Node.SelectMany(n => n.Output).Should().NotContain("x_quantized");
            Run(results[i].Model, input).Should().Equal(Run(plain[i].Model, input));
        }
    }
}
