using System;
using System.Globalization;
using System.Linq;
using Dendritic.Onnx.Proto;
using Dendritic.Onnx.Quantization;
using Dendritic.Onnx.Tests.Support;
using FluentAssertions;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using TorchSharp;
using static Dendritic.Onnx.Tests.Support.HostileModels;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// The model's import of the default ONNX operator set: an export's opset 17 is kept, one from 13 to 26 too; one
/// below 13 is raised to 13 (per-channel DequantizeLinear needs it) only when none of its nodes changes meaning on the
/// way, and refused naming the node otherwise, where every import below 13 had been raised without a look; an import
/// missing, repeated, out of range or above 26 is refused.
/// </summary>
public class QuantizerOpsetTests
{
    [Test]
    public void Quantize_ExportedModel_KeepsTheExportersOpset()
    {
        torch.manual_seed(71);
        using var model = Models.Mlp(1);
        using var sample = randn(2, 8);
        var bytes = TestHandles.Export(model, sample);

        var results = new[] { OnnxQuantizer.QuantizeDynamic(bytes), OnnxQuantizer.QuantizeStatic(bytes, Calibration) };

        OnnxExporter.OpsetVersion.Should().BeInRange(OpsetCheck.Required, OpsetCheck.Newest);
        results.Should().AllSatisfy(r => ModelProto.Parser.ParseFrom(r.Model).OpsetImport.Should().ContainSingle()
            .Which.Should().Be(new OperatorSetIdProto { Domain = string.Empty, Version = OnnxExporter.OpsetVersion }));
    }

    [TestCase("", 7L)]
    [TestCase("", 11L)]
    [TestCase("", 12L)]
    [TestCase("ai.onnx", 11L)]
    public void Quantize_OpsetBelow13OfOperatorsThatKeepTheirMeaning_IsRaisedTo13(string domain, long version)
    {
        // Gemm (unchanged since 7) and Relu (since 6) mean at 13 what they mean here, so the quantized model is the
        // one the same graph stamped 13 gives, byte for byte. The import keeps its domain ("ai.onnx" is the default
        // domain's other name).
        var old = LinearRelu(domain, version);
        var at13 = LinearRelu(domain, 13);

        OnnxQuantizer.QuantizeDynamic(old.ToByteArray()).Model.Should().Equal(OnnxQuantizer.QuantizeDynamic(at13.ToByteArray()).Model);
        OnnxQuantizer.QuantizeStatic(old.ToByteArray(), Calibration).Model.Should().Equal(OnnxQuantizer.QuantizeStatic(at13.ToByteArray(), Calibration).Model);
        ModelProto.Parser.ParseFrom(OnnxQuantizer.QuantizeDynamic(old.ToByteArray()).Model).OpsetImport.Should().ContainSingle()
            .Which.Should().Be(new OperatorSetIdProto { Domain = domain, Version = 13 });
    }

    [TestCase("Softmax", 11L, 13)]
    [TestCase("LogSoftmax", 12L, 13)]
    [TestCase("Squeeze", 12L, 13)]
    [TestCase("Unsqueeze", 11L, 13)]
    [TestCase("ReduceSum", 11L, 13)]
    [TestCase("Split", 12L, 13)]
    [TestCase("Dropout", 11L, 12)]
    [TestCase("Clip", 10L, 11)]
    [TestCase("Pad", 10L, 11)]
    [TestCase("Slice", 9L, 10)]
    [TestCase("BatchNormalization", 8L, 9)]
    [TestCase("Relu", 5L, 6)]
    public void Quantize_OpsetBelow13WithAnOperatorThatChangedMeaning_ThrowsNamingTheNodeAndTheFix(string opType, long version, int changedAt)
    {
        // A MatMul projection: it means the same from opset 1, so the node after it is the one refused.
        var model = Model(new[] { Node("MatMul", "mm", new[] { "x", "w" }, new[] { "h" }), Node(opType, "n", new[] { "h" }, new[] { "y" }) }, Floats("w", Values(8), 4, 2));
        model.OpsetImport[0].Version = version;

        Refusals(model).Should().AllSatisfy(e =>
        {
            (e.NodeName, e.ValueName).Should().Be(("n", string.Empty));
            e.Message.Should().Contain($"Node 'n' ({opType}) is in a model of opset {version}")
                .And.Contain($"changed meaning at opset {changedAt}").And.Contain("version_converter");
        });
    }

    [Test]
    public void Quantize_Opset6Gemm_ThrowsNamingTheProjection()
    {
        // Gemm took numpy broadcasting for C at opset 7 (a 'broadcast' attribute before): the projection itself.
        var model = Linear();
        model.OpsetImport[0].Version = 6;

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.NodeName.Should().Be("fc");
            e.Message.Should().Contain("(Gemm) is in a model of opset 6").And.Contain("changed meaning at opset 7");
        });
    }

    [Test]
    public void Quantize_Opset11Softmax_IsRefusedWhereItsMeaningWouldChange()
    {
        // Softmax at opset 11 flattens its input to 2-D at 'axis'; at 13 it works along 'axis' alone. Raised without a
        // look, this model came out computing the opset-13 softmax: ONNX Runtime gives the two opsets' files
        // different outputs.
        var model = Model(new[] { Gemm("fc", "x", "w", "b", "h"), Node("Softmax", "sm", new[] { "h" }, new[] { "y" }) }, Floats("w", Values(8), 2, 4), Floats("b", new[] { 0.5f, -0.5f }, 2));
        model.Graph.Node[1].Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        var at13 = model.Clone();
        model.OpsetImport[0].Version = 11;
        using var input = OrtValue.CreateTensorValueFromMemory(new float[] { 1, -2, 0.5f, 3, -1, 0.25f, 2, -0.5f }, new long[] { 2, 4 });

        Run(model.ToByteArray(), input).Should().NotEqual(Run(at13.ToByteArray(), input));
        Refusals(model).Should().AllSatisfy(e => e.NodeName.Should().Be("sm"));
    }

    [Test]
    public void Quantize_OpsetBelow13WithAnOperatorDefinedOnlyLater_ThrowsSayingWhenItWasDefined()
    {
        var model = Model(new[] { Gemm("fc", "x", "w", "b", "h"), Node("LayerNormalization", "ln", new[] { "h", "b" }, new[] { "y" }) }, Floats("w", Values(8), 2, 4), Floats("b", new[] { 0.5f, -0.5f }, 2));
        model.OpsetImport[0].Version = 12;

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.NodeName.Should().Be("ln");
            e.Message.Should().Contain("only from opset 17");
        });
    }

    [Test]
    public void Quantize_NewestKnownOpset_IsKeptAndLoadsInOnnxRuntime()
    {
        var model = Linear();
        model.OpsetImport[0].Version = OpsetCheck.Newest;
        var results = new[] { OnnxQuantizer.QuantizeDynamic(model.ToByteArray()), OnnxQuantizer.QuantizeStatic(model.ToByteArray(), Calibration) };
        var at17 = new[] { OnnxQuantizer.QuantizeDynamic(Linear().ToByteArray()), OnnxQuantizer.QuantizeStatic(Linear().ToByteArray(), Calibration) };

        for (var i = 0; i < results.Length; i++)
        {
            var quantized = ModelProto.Parser.ParseFrom(results[i].Model);
            quantized.OpsetImport.Should().ContainSingle().Which.Version.Should().Be(OpsetCheck.Newest);
            using var session = new InferenceSession(results[i].Model);
            quantized.OpsetImport[0].Version = 17;
            quantized.ToByteArray().Should().Equal(at17[i].Model);
        }
    }

    [TestCase(27L)]
    [TestCase(long.MaxValue)]
    public void Quantize_OpsetAboveTheNewestKnown_ThrowsNamingBothVersions(long version)
    {
        var model = Linear();
        model.OpsetImport[0].Version = version;

        Refusals(model).Should().AllSatisfy(e => e.Message.Should()
            .Contain($"at version {version.ToString(CultureInfo.InvariantCulture)}, newer than the newest the quantizer knows ({OpsetCheck.Newest})")
            .And.Contain("version_converter"));
    }

    [TestCase(0L)]
    [TestCase(-13L)]
    public void Quantize_OpsetBelowOne_ThrowsSayingTheFileIsDamaged(long version)
    {
        var model = Linear();
        model.OpsetImport[0].Version = version;

        Refusals(model).Should().AllSatisfy(e => e.Message.Should().Contain($"at version {version.ToString(CultureInfo.InvariantCulture)}").And.Contain("damaged"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Quantize_NoDefaultOpsetImport_Throws(bool otherDomain)
    {
        var model = Linear();
        model.OpsetImport.Clear();
        if (otherDomain)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "ai.onnx.ml", Version = 3 });
        }

        Refusals(model).Should().AllSatisfy(e => e.Message.Should().Contain("imports no version of the default ONNX operator set"));
    }

    [TestCase("")]
    [TestCase("ai.onnx")]
    public void Quantize_TwoDefaultOpsetImports_ThrowsListingBoth(string secondDomain)
    {
        var model = Linear();
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = secondDomain, Version = 13 });

        Refusals(model).Should().AllSatisfy(e => e.Message.Should().Contain("2 times (versions 17, 13)"));
    }

    [Test]
    public void Quantize_NodeOutsideTheDefaultDomain_ThrowsNamingIt()
    {
        var model = Model(new[] { Gemm("fc", "x", "w", "b", "h"), Node("FastGelu", "fg", new[] { "h" }, new[] { "y" }) }, Floats("w", Values(8), 2, 4), Floats("b", new[] { 0.5f, -0.5f }, 2));
        model.Graph.Node[1].Domain = "com.microsoft";
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });

        Refusals(model).Should().AllSatisfy(e =>
        {
            e.NodeName.Should().Be("fg");
            e.Message.Should().Contain("com.microsoft.FastGelu").And.Contain("outside the default ONNX domain");
        });
    }

    [Test]
    public void OperatorHistory_EveryOperatorTheQuantizerAccepts_HasAnEntry()
    {
        // An operator without an entry is never raised (refused below opset 13); this keeps the two lists together.
        OperatorHistory.Operators.Should().BeEquivalentTo(ProjectionFinder.KnownOperators);
    }

    /// <summary><see cref="HostileModels.Linear"/> with a Relu after the Gemm, importing the default domain as given.</summary>
    private static ModelProto LinearRelu(string domain, long version)
    {
        var model = Model(new[] { Gemm("fc", "x", "w", "b", "h"), Node("Relu", "relu", new[] { "h" }, new[] { "y" }) }, Floats("w", Values(8), 2, 4), Floats("b", new[] { 0.5f, -0.5f }, 2));
        model.OpsetImport[0] = new OperatorSetIdProto { Domain = domain, Version = version };
        return model;
    }
}
