using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Dendritic.Onnx.Proto;
using Dendritic.Onnx.Quantization;
using FluentAssertions;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// Crafted ONNX files, built by hand with the generated protobuf classes: each is refused by both quantizers with an
/// <see cref="OnnxQuantizationException"/> naming the tensor or node and the bad value, before any allocation the
/// file's bytes cannot back, or (where the file is valid ONNX) handled as the float model computes.
/// </summary>
public class QuantizerHostileInputTests
{
    [Test]
    public void Quantize_TruncatedModel_ThrowsNotAnOnnxModel()
    {
        var bytes = Linear().ToByteArray();

        Refusals(bytes[..(bytes.Length / 2)]).Should().AllSatisfy(e => e.Message.Should().Contain("not an ONNX model"));
    }

    [Test]
    public void Quantize_NameThatIsNotUtf8_ThrowsNotAnOnnxModel()
    {
        var model = Linear();
        model.Graph.Node[0].Name = "QQQQ";
        var bytes = model.ToByteArray();
        var at = bytes.AsSpan().IndexOf("QQQQ"u8);
        bytes[at] = 0xFF;

        Refusals(bytes).Should().AllSatisfy(e => e.Message.Should().Contain("not an ONNX model"));
    }

    [Test]
    public void Quantize_NestingBeyondTheProtobufLimit_ThrowsNotAnOnnxModel()
    {
        var model = Linear();
        var inner = new GraphProto();
        for (var depth = 0; depth < 60; depth++)
        {
            var node = new NodeProto { OpType = "Constant" };
            node.Attribute.Add(new AttributeProto { Name = "g", Type = AttributeProto.Types.AttributeType.Graph, G = inner });
            inner = new GraphProto();
            inner.Node.Add(node);
        }

        model.Graph.Node[0].Attribute.Add(new AttributeProto { Name = "nested", Type = AttributeProto.Types.AttributeType.Graph, G = inner });

        Refusals(model.ToByteArray()).Should().AllSatisfy(e => e.Message.Should().Contain("not an ONNX model"));
    }

    [Test]
    public void Quantize_GraphWithoutNodes_ThrowsSayingSo()
    {
        var model = Linear();
        model.Graph.Node.Clear();

        Refusals(model).Should().AllSatisfy(e => e.Message.Should().Contain("no graph nodes"));
    }

    [TestCase(4L, (1L << 62) + 1, TestName = "Quantize_WeightDimsWhoseProductWrapsToTheValueCount_ThrowsBeforeAllocating(4, 2^62 + 1)")]
    [TestCase(1L << 32, 1L << 32, TestName = "Quantize_WeightDimsWhoseProductWrapsToTheValueCount_ThrowsBeforeAllocating(2^32, 2^32)")]
    public void Quantize_WeightDimsWhoseProductWrapsToTheValueCount_ThrowsBeforeAllocating(long rows, long columns)
    {
        // unchecked(rows * columns) is 4 (or 0): the count of values the tensor holds, so a wrapping product passes a
        // count check and the quantizer then allocates one scale per channel of a 2^62-channel weight.
        var values = unchecked(rows * columns);
        var model = Model(new[] { Node("MatMul", "mm", new[] { "x", "w" }, new[] { "y" }) }, Floats("w", Values((int)values), rows, columns));

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.ValueName.Should().Be("w");
            e.Message.Should().Contain("'w'").And.Contain(columns.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
    }

    [TestCase(0L)]
    [TestCase(-4L)]
    public void Quantize_WeightWithANonPositiveDim_ThrowsNamingTheDim(long dim)
    {
        var model = Linear();
        var weight = model.Graph.Initializer.Single(i => i.Name == "w");
        weight.Dims[1] = dim;
        weight.RawData = ByteString.Empty;

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.ValueName.Should().Be("w");
            e.Message.Should().Contain("'w'").And.Contain(dim.ToString(System.Globalization.CultureInfo.InvariantCulture)).And.Contain("positive");
        });
    }

    [Test]
    public void Quantize_RawDataNotAWholeNumberOfFloats_ThrowsNamingTheLength()
    {
        // 8 floats and one byte more: the stray byte used to be dropped without a word.
        var model = Linear();
        var weight = model.Graph.Initializer.Single(i => i.Name == "w");
        weight.RawData = ByteString.CopyFrom(weight.RawData.ToByteArray().Append((byte)7).ToArray());

        Refusals(model).Should().AllSatisfy(e => e.Message.Should().Contain("'w'").And.Contain("33 bytes"));
    }

    [Test]
    public void Quantize_RawDataAndFloatDataTogether_ThrowsNamingTheTensor()
    {
        // ONNX stores a tensor's values in raw_data or in float_data, never both; which one a reader takes is a guess.
        var model = Linear();
        model.Graph.Initializer.Single(i => i.Name == "w").FloatData.AddRange(Values(8).Select(v => -v));

        Refusals(model).Should().AllSatisfy(e => e.Message.Should().Contain("'w'").And.Contain("raw_data").And.Contain("float_data"));
    }

    [TestCase(7)]
    [TestCase(9)]
    public void Quantize_FloatDataCountOtherThanTheDims_ThrowsNamingTheTensor(int count)
    {
        var model = Linear();
        var weight = model.Graph.Initializer.Single(i => i.Name == "w");
        weight.RawData = ByteString.Empty;
        weight.FloatData.AddRange(Values(count));

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.ValueName.Should().Be("w");
            e.Message.Should().Contain($"{count} float32 values");
        });
    }

    [TestCase(float.NaN)]
    [TestCase(float.PositiveInfinity)]
    [TestCase(float.NegativeInfinity)]
    public void Quantize_NonFiniteWeight_ThrowsNamingTheTensorAndIndex(float bad)
    {
        var values = Values(8);
        values[5] = bad;
        var model = Linear(weight: values);

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.ValueName.Should().Be("w");
            e.Message.Should().Contain("'w'").And.Contain("index 5").And.Contain(bad.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
    }

    [Test]
    public void Quantize_NonFiniteBias_ThrowsNamingTheTensor()
    {
        var model = Linear(bias: new[] { 0.5f, float.NaN });

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.ValueName.Should().Be("b");
            e.Message.Should().Contain("'b'").And.Contain("index 1").And.Contain("NaN");
        });
    }

    [Test]
    public void Quantize_WeightInExternalData_ThrowsWithoutReadingTheFile()
    {
        // The file named by the model exists and holds exactly the weight's bytes: the quantizer still reads no file.
        var folder = Directory.CreateTempSubdirectory("quant-hostile-");
        try
        {
            var path = Path.Combine(folder.FullName, "weights.bin");
            File.WriteAllBytes(path, Values(8).SelectMany(BitConverter.GetBytes).ToArray());
            var model = Linear();
            var weight = model.Graph.Initializer.Single(i => i.Name == "w");
            weight.RawData = ByteString.Empty;
            weight.DataLocation = TensorProto.Types.DataLocation.External;
            weight.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = path });

            Refusals(model).Should().AllSatisfy(e =>
            {
                e.ValueName.Should().Be("w");
                e.Message.Should().Contain("'w'").And.Contain("external");
            });
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public void Quantize_ExternalDataOfAConstantThatStaysFloat_ThrowsNamingIt()
    {
        // The result is bytes with no folder: a reference to a file beside the input model would point nowhere.
        var model = Linear();
        var scale = Floats("scale", new[] { 2f }, 1);
        scale.RawData = ByteString.Empty;
        scale.DataLocation = TensorProto.Types.DataLocation.External;
        scale.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "../../etc/passwd" });
        model.Graph.Initializer.Add(scale);
        model.Graph.Node[0].Output[0] = "h";
        model.Graph.Node.Add(Node("Mul", "scale_mul", new[] { "h", "scale" }, new[] { "y" }));

        Refusals(model).Should().AllSatisfy(e => e.Message.Should().Contain("'scale'").And.Contain("external"));
    }

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

    [Test]
    public void QuantizeDynamic_ManyProjections_TakesTimeInProportion()
    {
        // 20,000 one-weight Gemms in a chain (about 1 MB of file). Removing each replaced weight used to search every
        // node's inputs once per weight: 20,000² lookups, minutes. Bound: far above the linear pass on any machine.
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
        var clock = Stopwatch.StartNew();

        var result = OnnxQuantizer.QuantizeDynamic(model);

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60));
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

    private static readonly CalibrationRunner Calibration = (_, names) =>
        new[] { (IReadOnlyList<float[]>)names.Select(_ => new[] { -1f, 0.5f, 1f }).ToArray() };

    private static OnnxQuantizationException[] Refusals(ModelProto model) => Refusals(model.ToByteArray());

    /// <summary>What each quantizer throws for the bytes; each must be an <see cref="OnnxQuantizationException"/>.</summary>
    private static OnnxQuantizationException[] Refusals(byte[] bytes)
    {
        var quantizers = new Func<OnnxQuantizationResult>[]
        {
            () => OnnxQuantizer.QuantizeDynamic(bytes),
            () => OnnxQuantizer.QuantizeStatic(bytes, Calibration),
        };
        return quantizers.Select(q => q.Should().Throw<OnnxQuantizationException>().Which).ToArray();
    }

    /// <summary>x [2, 4] → Gemm 'fc' (w [2, 4] with transB = 1, b [2]) → y: a valid model both quantizers accept.</summary>
    private static ModelProto Linear(float[]? weight = null, float[]? bias = null)
    {
        return Model(new[] { Gemm("fc", "x", "w", "b", "y") }, Floats("w", weight ?? Values(8), 2, 4), Floats("b", bias ?? new[] { 0.5f, -0.5f }, 2));
    }

    private static ModelProto Model(IEnumerable<NodeProto> nodes, params TensorProto[] initializers)
    {
        var graph = new GraphProto { Name = "hostile" };
        graph.Node.AddRange(nodes);
        graph.Initializer.AddRange(initializers);
        graph.Input.Add(new ValueInfoProto { Name = "x", Type = FloatType(2, 4) });
        graph.Output.Add(new ValueInfoProto { Name = "y", Type = FloatType() });
        var model = new ModelProto { IrVersion = 8, ProducerName = "hostile-test", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        return model;
    }

    /// <summary>Gemm with transB = 1: output = input · weightᵀ + bias.</summary>
    private static NodeProto Gemm(string name, string input, string weight, string bias, string output)
    {
        var gemm = Node("Gemm", name, new[] { input, weight, bias }, new[] { output });
        gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        return gemm;
    }

    private static float[] Run(byte[] model, OrtValue input)
    {
        using var session = new InferenceSession(model);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, new[] { "x" }, new[] { input }, new[] { "y" });
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static NodeProto Node(string opType, string name, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }

    private static TensorProto Floats(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(values.SelectMany(BitConverter.GetBytes).ToArray()) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static TypeProto FloatType(params long[] dims)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float };
        if (dims.Length > 0)
        {
            tensor.Shape = new TensorShapeProto();
            tensor.Shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        }

        return new TypeProto { TensorType = tensor };
    }

    /// <summary>0.1, -0.2, 0.3, ...: distinct weights of both signs.</summary>
    private static float[] Values(int count) => Enumerable.Range(1, count).Select(i => (i % 2 == 0 ? -0.1f : 0.1f) * i).ToArray();
}
