using System.Linq;
using Dendritic.Onnx.Proto;
using Dendritic.Onnx.Tests.Support;
using FluentAssertions;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>A float64 model exports as a double graph and runs in ONNX Runtime.</summary>
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
}
