using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic.Onnx.Proto;
using Dendritic.Onnx.Quantization;
using Dendritic.Onnx.Tests.Support;
using FluentAssertions;
using Google.Protobuf;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>Models and calibrations the quantizer cannot use fail with an <see cref="OnnxQuantizationException"/> that says why.</summary>
public class QuantizationErrorTests
{
    [Test]
    public void Quantize_UnsupportedOperator_ThrowsNamingTheNode()
    {
        var proto = ModelProto.Parser.ParseFrom(MlpBytes());
        var node = new NodeProto { OpType = "TopK", Name = "mystery_topk" };
        node.Input.Add(proto.Graph.Node.Last().Output[0]);
        node.Output.Add("topk_out");
        proto.Graph.Node.Add(node);

        foreach (var quantize in new Action[] { () => OnnxQuantizer.QuantizeDynamic(proto.ToByteArray()), () => OnnxQuantizer.QuantizeStatic(proto.ToByteArray(), NoBatches) })
        {
            quantize.Should().Throw<OnnxQuantizationException>()
                .Where(e => e.NodeName == "mystery_topk" && e.Message.Contains("mystery_topk") && e.Message.Contains("TopK"));
        }
    }

    [Test]
    public void Quantize_AlreadyQuantizedModel_Throws()
    {
        var once = OnnxQuantizer.QuantizeDynamic(MlpBytes()).Model;

        var act = () => OnnxQuantizer.QuantizeDynamic(once);

        act.Should().Throw<OnnxQuantizationException>().WithMessage("*already quantized*");
    }

    [Test]
    public void Quantize_WeightWithTooFewValues_ThrowsNamingTheInitializer()
    {
        var proto = ModelProto.Parser.ParseFrom(MlpBytes());
        var gemm = proto.Graph.Node.First(n => n.OpType == "Gemm");
        var weight = proto.Graph.Initializer.First(i => i.Name == gemm.Input[1]);
        weight.RawData = ByteString.CopyFrom(weight.RawData.Span[..8]);

        var act = () => OnnxQuantizer.QuantizeDynamic(proto.ToByteArray());

        act.Should().Throw<OnnxQuantizationException>().Where(e => e.ValueName == weight.Name && e.Message.Contains("damaged"));
    }

    [Test]
    public void Quantize_NotAnOnnxModel_Throws()
    {
        var act = () => OnnxQuantizer.QuantizeDynamic(new byte[] { 1, 2, 3, 4, 5 });

        act.Should().Throw<OnnxQuantizationException>();
    }

    [Test]
    public void QuantizeStatic_NoCalibrationBatches_ThrowsSayingSo()
    {
        var act = () => OnnxQuantizer.QuantizeStatic(MlpBytes(), OrtCalibration.Runner(Array.Empty<Tensor>()));

        act.Should().Throw<OnnxQuantizationException>().WithMessage("*no batches*QuantizeDynamic*");
    }

    [Test]
    public void QuantizeStatic_NonFiniteCalibrationValue_ThrowsNamingTheValue()
    {
        using var batch = randn(4, 8);
        batch[1, 3] = torch.tensor(float.NaN);

        var act = () => OnnxQuantizer.QuantizeStatic(MlpBytes(), OrtCalibration.Runner(new[] { batch }));

        act.Should().Throw<OnnxQuantizationException>()
            .Where(e => e.ValueName.Length > 0 && e.Message.Contains(e.ValueName) && e.Message.Contains("non-finite"));
    }

    [Test]
    public void QuantizeStatic_RunnerReturningTooFewOutputs_Throws()
    {
        CalibrationRunner wrong = (_, _) => new[] { (IReadOnlyList<float[]>)new[] { new float[] { 1f } } };

        var act = () => OnnxQuantizer.QuantizeStatic(MlpBytes(), wrong);

        act.Should().Throw<OnnxQuantizationException>().WithMessage("*one array per requested output*");
    }

    [Test]
    public void QuantizeStatic_Float64Model_Throws()
    {
        using var model = nn.Sequential(nn.Linear(4, 2)).to(float64);
        using var sample = randn(2, 4, dtype: float64);

        var act = () => OnnxQuantizer.QuantizeDynamic(TestHandles.Export(model, sample));

        act.Should().Throw<OnnxQuantizationException>().WithMessage("*float32*");
    }

    [Test]
    public void Options_InvalidValues_AreAllReported()
    {
        var act = () => new OnnxQuantizationOptions { Percentile = 40, MaxValuesPerTensor = 0, WeightBits = 9 }.Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("Percentile", "MaxValuesPerTensor", "WeightBits");
    }

    [Test]
    public void QuantizeStatic_RunnerReturningNoValuesForAnActivation_ThrowsNamingTheValue()
    {
        // Batches of zero samples: every requested output comes back empty. The ranges used to start and stay at
        // [0, 0], which gave scale 1 without a word.
        CalibrationRunner empty = (_, names) => new[] { (IReadOnlyList<float[]>)names.Select(_ => Array.Empty<float>()).ToArray() };

        var act = () => OnnxQuantizer.QuantizeStatic(MlpBytes(), empty);

        act.Should().Throw<OnnxQuantizationException>()
            .Where(e => e.ValueName.Length > 0 && e.Message.Contains($"'{e.ValueName}'") && e.Message.Contains("no values") && e.Message.Contains("at least one sample"));
    }

    [Test]
    public void QuantizeStatic_PercentileRangeOfWidthZero_FallsBackToMinMax()
    {
        // 20,000 zeros and one 2.55: the 99.99th percentile is 0, so the percentile range was [0, 0] and the scale the
        // arbitrary 1 (2.55 then quantized to 3). The min/max range gives 2.55 / 255.
        CalibrationRunner sparse = (_, names) => new[]
        {
            (IReadOnlyList<float[]>)names.Select(_ => new float[20_000].Append(2.55f).ToArray()).ToArray(),
        };

        var result = OnnxQuantizer.QuantizeStatic(MlpBytes(), sparse, new OnnxQuantizationOptions { Method = CalibrationMethod.Percentile, Percentile = 99.99 });

        var scale = ModelProto.Parser.ParseFrom(result.Model).Graph.Initializer.Single(i => i.Name == "input_scale");
        BitConverter.ToSingle(scale.RawData.Span).Should().BeApproximately(2.55f / 255f, 1e-7f);
    }

    [Test]
    public void QuantizeStatic_InvalidOptions_ThrowsInvalidOptionsException()
    {
        var act = () => OnnxQuantizer.QuantizeStatic(MlpBytes(), NoBatches, new OnnxQuantizationOptions { Percentile = double.NaN });

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("Percentile");
    }

    private static IEnumerable<IReadOnlyList<float[]>> NoBatches(byte[] model, IReadOnlyList<string> outputs) => Array.Empty<IReadOnlyList<float[]>>();

    private static byte[] MlpBytes()
    {
        torch.manual_seed(70);
        using var model = Models.Mlp(1);
        using var sample = randn(2, 8);
        return TestHandles.Export(model, sample);
    }
}
