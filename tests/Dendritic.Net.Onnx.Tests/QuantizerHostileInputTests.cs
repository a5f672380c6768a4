using System;
using System.IO;
using System.Linq;
using Dendritic.Onnx.Proto;
using Dendritic.Onnx.Quantization;
using FluentAssertions;
using Google.Protobuf;
using NUnit.Framework;
using static Dendritic.Onnx.Tests.Support.HostileModels;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// Crafted ONNX files (built by hand with the generated protobuf classes; helpers in <see cref="Support.HostileModels"/>)
/// whose bytes or tensors are damaged: each is refused by both quantizers with an <see cref="OnnxQuantizationException"/>
/// naming the tensor and the bad value, before any allocation the file's bytes cannot back, and no file is read.
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

    [Test]
    public void Quantize_CallersBytes_AreLeftAsTheyWere()
    {
        // Refused or quantized, the caller's model is read, never written.
        var bytes = Linear().ToByteArray();
        var original = bytes.ToArray();
        var refused = Linear(weight: Values(8).Select(v => v * float.PositiveInfinity).ToArray()).ToByteArray();
        var refusedOriginal = refused.ToArray();

        OnnxQuantizer.QuantizeDynamic(bytes);
        OnnxQuantizer.QuantizeStatic(bytes, Calibration);
        Refusals(refused);

        bytes.Should().Equal(original);
        refused.Should().Equal(refusedOriginal);
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
}
