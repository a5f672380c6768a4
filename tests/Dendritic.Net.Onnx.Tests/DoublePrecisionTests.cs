using System;
using System.IO;
using System.Linq;
using Dendritic.Onnx.Proto;
using Dendritic.Onnx.Tests.Support;
using Dendritic.Testing;
using FluentAssertions;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// A float64 model exports as a double graph and runs in ONNX Runtime; one with an LSTM or GRU, which ONNX Runtime
/// computes in float32 only, is refused naming the layer and the conversion, before anything is written.
/// </summary>
public class DoublePrecisionTests
{
    [Test]
    public void Export_Float64Model_WritesDoubleGraphMatchingTorchSharp()
    {
        torch.manual_seed(300);
        using var model = nn.Sequential(Models.Dendritic(nn.Linear(5, 7), 3, 301), nn.ReLU(), Models.Dendritic(nn.Linear(7, 2), 1, 302));
        model.to(float64);
        using var sample = randn(new long[] { 2, 5 }, dtype: float64);

        var bytes = TestHandles.Export(model, sample);

        var proto = ModelProto.Parser.ParseFrom(bytes);
        proto.Graph.Initializer.Should().OnlyContain(t => t.DataType == (int)TensorProto.Types.DataType.Double || t.DataType == (int)TensorProto.Types.DataType.Int64);
        using var input = randn(new long[] { 4, 5 }, dtype: float64);
        using var expected = model.call(input).detach();
        var data = input.data<double>().ToArray();
        using var session = new InferenceSession(bytes);
        using var value = OrtValue.CreateTensorValueFromMemory(data, input.shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, new[] { "input" }, new[] { value }, new[] { "output" });
        using var actual = torch.tensor(results[0].GetTensorDataAsSpan<double>().ToArray(), results[0].GetTensorTypeAndShape().Shape, dtype: float64);
        OnnxRun.MaxDifference(actual, expected).Should().BeLessThanOrEqualTo(1e-10);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Export_Float64RecurrentModel_ThrowsNamingTheLayerAndTheFixAndWritesNothing(bool gru)
    {
        torch.manual_seed(303);
        using var model = new RecurrentClassifier(gru, 4, 5, 1, false, true, 3);
        model.to(float64);
        using var sample = randn(new long[] { 2, 6, 4 }, dtype: float64);
        using var folder = new TempFolder();

        var act = () => OnnxExporter.Export(model, sample, folder.File("model.onnx"));

        var type = gru ? "GRU" : "LSTM";
        var error = act.Should().Throw<OnnxExportException>().Which;
        error.ModulePath.Should().Be("rnn");
        error.ModuleType.Should().Be(type);
        error.Message.Should().StartWith($"Module 'rnn' ({type}): ONNX Runtime computes {type} in float32 only")
            .And.Contain("model.to(ScalarType.Float32)").And.Contain("sampleInput.to(ScalarType.Float32)");
        Directory.EnumerateFileSystemEntries(folder.Path).Should().BeEmpty();
    }

    [Test]
    public void Export_Float64RecurrentHostThroughTheHandle_ThrowsNamingTheLayer()
    {
        torch.manual_seed(304);
        var model = new RecurrentClassifier(false, 4, 5, 1, false, true, 3);
        model.to(float64);
        using var sample = randn(new long[] { 2, 6, 4 }, dtype: float64);
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("rnn"), InitialDendrites = 1 }, sample);
        handle.Layers.Should().ContainSingle(l => l.Name == "rnn" && l.Spec.Kind == HostKind.Module);

        var act = () => OnnxExporter.ExportToBytes(handle, sample);

        act.Should().Throw<OnnxExportException>().Where(e => e.ModulePath == "rnn" && e.ModuleType == "LSTM" && e.Message.Contains("float32 only", StringComparison.Ordinal));
    }

    [Test]
    public void Export_Float64RecurrentModelConvertedAsTheErrorSays_RunsInOnnxRuntime()
    {
        torch.manual_seed(305);
        using var model = new RecurrentClassifier(true, 4, 5, 1, false, true, 3);
        model.to(float64);
        using var sample = randn(new long[] { 2, 6, 4 }, dtype: float64);

        model.to(ScalarType.Float32);
        using var converted = sample.to(ScalarType.Float32);
        var bytes = OnnxExporter.ExportToBytes(model, converted);

        using var input = randn(3, 6, 4);
        Parity.ShouldRunLike(bytes, model, input);
    }
}
