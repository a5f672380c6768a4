using System;
using System.Collections.Generic;
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
/// Crafted ONNX files that would make the quantizer work, write or say more than the file's size warrants: many
/// projections, a weight shared by many, huge names, a bias no int32 holds. Time, output and messages stay in proportion.
/// </summary>
public class QuantizerHostileSizeTests
{
    [Test]
    public void QuantizeDynamic_ManyProjections_QuantizesEveryOne()
    {
        // 20,000 one-weight Gemms in a chain (about 1 MB of file). Removing each replaced weight used to search every
        // node's inputs once per weight: 20,000² lookups, about 5 minutes; now about 4 s on the development box. No
        // bound on the time here (the project keeps speed out of tests): a regression shows as a slow test run.
        const int Count = 20_000;
        var nodes = new List<NodeProto>();
        var initializers = new List<TensorProto>();
        for (var i = 0; i < Count; i++)
        {
            var input = i == 0 ? "x" : $"h{i - 1}";
            var output = i == Count - 1 ? "y" : $"h{i}";
            nodes.Add(Node("Gemm", $"fc{i}", new[] { input, $"w{i}" }, new[] { output }));
            initializers.Add(Floats($"w{i}", new[] { 1f }, 1, 1));
        }

        var model = Model(nodes, initializers.ToArray()).ToByteArray();

        var result = OnnxQuantizer.QuantizeDynamic(model);

        result.QuantizedNodes.Should().HaveCount(Count);
    }

    [Test]
    public void Quantize_WeightSharedByManyProjections_IsWrittenOnce()
    {
        // One 64 KiB weight read by 400 MatMuls of a few bytes each: written once per projection, the quantized model
        // was about 100 times the file (26 MB from 272 KB with a 256 KiB weight), and grew with every node added.
        var nodes = Enumerable.Range(0, 400).Select(i => Node("MatMul", $"mm{i}", new[] { "x", "w" }, new[] { i == 0 ? "y" : $"y{i}" }));
        var model = Model(nodes, Floats("w", Values(16_384), 16_384, 1)).ToByteArray();

        var dynamic = OnnxQuantizer.QuantizeDynamic(model).Model;
        var quantized = OnnxQuantizer.QuantizeStatic(model, Calibration).Model;

        dynamic.Length.Should().BeLessThan(model.Length * 2);
        quantized.Length.Should().BeLessThan(model.Length * 2);
    }

    [Test]
    public void Quantize_SharedWeight_GivesTheOutputsOfSeparateCopies()
    {
        // Two Gemms read one weight, with biases large enough to raise the weight's scales differently in the static
        // form: the shared model must compute what the same model with two copies of the weight computes.
        var shared = Model(
            new[] { Gemm("fc0", "x", "w", "b0", "h"), Gemm("fc1", "h", "w", "b1", "y") },
            Floats("w", Values(16), 4, 4), Floats("b0", new[] { 0.5f, 3e4f, -0.5f, 1f }, 4), Floats("b1", new[] { -2e5f, 0.25f, 1f, -1f }, 4));
        var copied = shared.Clone();
        copied.Graph.Initializer.Add(Floats("w_copy", Values(16), 4, 4));
        copied.Graph.Node[1].Input[1] = "w_copy";
        using var input = OrtValue.CreateTensorValueFromMemory(new float[] { 1, -2, 0.5f, 3, -1, 0.25f, 2, -0.5f }, new long[] { 2, 4 });

        foreach (var quantize in new Func<ModelProto, byte[]>[] { m => OnnxQuantizer.QuantizeDynamic(m.ToByteArray()).Model, m => OnnxQuantizer.QuantizeStatic(m.ToByteArray(), Calibration).Model })
        {
            Run(quantize(shared), input).Should().Equal(Run(quantize(copied), input));
        }
    }

    [Test]
    public void QuantizeStatic_SharedWeightWhoseBiasesEachNeedOtherScales_ThrowsPastTheBudget()
    {
        // 2,000 Gemms share a 256 KiB weight, each with a one-value bias so large that it raises the weight's scale to
        // a value of its own: each needs its own int8 copy (64 KiB), 131 MB in all from a file of 0.4 MB. The quantizer
        // stops at 4 bytes per byte of the file plus 16 MiB.
        var nodes = Enumerable.Range(0, 2_000).Select(i => Gemm($"fc{i}", "x", "w", $"b{i}", i == 0 ? "y" : $"y{i}"));
        var biases = Enumerable.Range(0, 2_000).Select(i => Floats($"b{i}", new[] { 1e10f * (i + 1) }, 1));
        var model = Model(nodes, biases.Prepend(Floats("w", Values(65_536), 1, 65_536)).ToArray()).ToByteArray();

        var act = () => OnnxQuantizer.QuantizeStatic(model, Calibration);

        var e = act.Should().Throw<OnnxQuantizationException>().Which;
        e.ValueName.Should().Be("w");
        e.Message.Should().Contain("'w'").And.Contain("shared").And.Contain("QuantizeDynamic");

        // The dynamic form keeps biases float, so one int8 copy serves all: what remains is a few nodes per Gemm.
        OnnxQuantizer.QuantizeDynamic(model).Model.Length.Should().BeLessThan(model.Length * 4);
    }

    [Test]
    public void QuantizeDynamic_ConvWeightOfHugeRankUnderManyBiases_ThrowsPastTheBudget()
    {
        // A one-value Conv weight of rank 1,000,000 (dims of 1: a byte each in the file) read by 50 Convs with a bias
        // each: every bias is broadcast to the weight's rank, 8 MB of dims in memory from a bias of a few bytes.
        var dims = Enumerable.Repeat(1L, 1_000_000).ToArray();
        var nodes = Enumerable.Range(0, 50).Select(i => Node("Conv", $"conv{i}", new[] { "x", "w", $"b{i}" }, new[] { i == 0 ? "y" : $"y{i}" }));
        var biases = Enumerable.Range(0, 50).Select(i => Floats($"b{i}", new[] { (float)i }, 1));
        var model = Model(nodes, biases.Prepend(Floats("w", new[] { 0.5f }, dims)).ToArray()).ToByteArray();

        var act = () => OnnxQuantizer.QuantizeDynamic(model);

        act.Should().Throw<OnnxQuantizationException>().Which.ValueName.Should().Be("w");
    }

    [Test]
    public void Quantize_HugeNodeName_QuotesItBoundedInTheMessage()
    {
        var model = Linear();
        var name = new string('n', 1 << 20);
        model.Graph.Node.Add(Node(new string('T', 1 << 20), name, new[] { "y" }, new[] { "z" }));

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.NodeName.Should().Be(name);
            e.Message.Length.Should().BeLessThan(4_000);
        });
    }

    [Test]
    public void QuantizeStatic_BiasBeyondInt32AtTheInputScale_ThrowsNamingTheBias()
    {
        // Calibrated inputs within ±1e-38 and a bias of 3e38: no float32 weight scale puts that bias in int32, and the
        // scale came out infinite, which turned every output of the channel into NaN.
        var model = Linear(bias: new[] { 3e38f, 1f });
        CalibrationRunner tiny = (_, names) => new[] { (IReadOnlyList<float[]>)names.Select(_ => new[] { -1e-38f, 1e-38f }).ToArray() };

        var act = () => OnnxQuantizer.QuantizeStatic(model.ToByteArray(), tiny);

        act.Should().Throw<OnnxQuantizationException>().Which.Should().Match<OnnxQuantizationException>(e =>
            e.NodeName == "fc" && e.ValueName == "b" && e.Message.Contains("'b'", StringComparison.Ordinal));
    }

    [TestCase(5, TestName = "Quantize_MillionsOfEmptyInitializers_ThrowsBeforeParsingThem")]
    [TestCase(1, TestName = "Quantize_MillionsOfEmptyNodes_ThrowsBeforeParsingThem")]
    public void Quantize_MillionsOfEmptyGraphEntries_ThrowsBeforeParsingThem(int field)
    {
        // Two bytes of the file each (a tag and a zero length): 5,000,000 empty initializers in 10 MB made the parser
        // alone hold 2 GB before any check ran (found in a review of hostile files).
        const int Count = 2_000_000;
        var graph = Linear().Graph.ToByteArray().Concat(Enumerable.Repeat(new[] { (byte)((field << 3) | 2), (byte)0 }, Count).SelectMany(b => b)).ToArray();
        var model = Linear();
        model.Graph = null;
        var bytes = model.ToByteArray().Concat(Field(7, graph)).ToArray();
        var before = GC.GetAllocatedBytesForCurrentThread();

        var refusals = Refusals(bytes);

        refusals.Should().AllSatisfy(e => e.Message.Should().Match($"*declares * messages (nodes, attributes, tensors, value infos, shape dimensions, ...) in {bytes.Length} bytes*"));
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1L << 20, "the entries are counted in the file's bytes, not parsed");
    }

    [TestCase("attributes", TestName = "Quantize_MillionsOfEmptyAttributesOnOneNode_ThrowsBeforeParsingThem")]
    [TestCase("subgraph", TestName = "Quantize_SubgraphOfMillionsOfEmptyNodes_ThrowsBeforeParsingThem")]
    [TestCase("dims", TestName = "Quantize_ShapeOfMillionsOfEmptyDimensions_ThrowsBeforeParsingThem")]
    [TestCase("group", TestName = "Quantize_EmptyInitializersBehindAGroup_ThrowsBeforeParsingThem")]
    public void Quantize_MillionsOfEmptyMessagesBelowTheGraph_ThrowsBeforeParsingThem(string where)
    {
        // Counting the graph's own entries only was bypassed by messages one level down, and by a group at the end of the
        // file, which the count could not read and left to the parser (found in review): 400 to 900 MB parsed per 4 MB.
        const int Count = 2_000_000;
        var empties = Enumerable.Repeat(new byte[] { 0x0A, 0x00 }, Count).SelectMany(b => b).ToArray(); // field 1, length 0
        var graph = Linear().Graph.ToByteArray();
        var extra = where switch
        {
            "attributes" => Field(1, Enumerable.Repeat(new byte[] { 0x2A, 0x00 }, Count).SelectMany(b => b).ToArray()),   // a node of empty attributes
            "subgraph" => Field(1, Field(5, Field(6, empties))),                  // a node, an attribute, its graph g of empty nodes
            "dims" => Field(13, Field(2, Field(1, Field(2, empties)))),           // a value info's type's tensor shape of empty dims
            _ => Enumerable.Repeat(new byte[] { 0x2A, 0x00 }, Count).SelectMany(b => b).ToArray(),
        };
        var model = Linear();
        model.Graph = null;
        var trailer = where == "group" ? new byte[] { 0xA3, 0x06, 0xA4, 0x06 } : Array.Empty<byte>(); // field 100 as an empty group
        var bytes = model.ToByteArray().Concat(Field(7, graph.Concat(extra).ToArray())).Concat(trailer).ToArray();
        var before = GC.GetAllocatedBytesForCurrentThread();

        var refusals = Refusals(bytes);

        refusals.Should().AllSatisfy(e => e.Message.Should().Match(where == "group" ? "*not an ONNX model*group*" : "*declares * messages *"));
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1L << 20, "the messages are counted in the file's bytes, not parsed");
    }

    private static byte[] Field(int number, byte[] content) =>
        Varint((number << 3) | 2).Concat(Varint(content.Length)).Concat(content).ToArray();

    private static byte[] Varint(int value)
    {
        var bytes = new List<byte>();
        for (var v = (uint)value; ; v >>= 7)
        {
            if (v < 0x80)
            {
                bytes.Add((byte)v);
                return bytes.ToArray();
            }

            bytes.Add((byte)(v | 0x80));
        }
    }
}
