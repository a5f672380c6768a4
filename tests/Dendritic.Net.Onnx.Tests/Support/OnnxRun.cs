using System;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>Runs an exported model in ONNX Runtime (CPU) on a TorchSharp tensor and returns the output as a tensor.</summary>
internal static class OnnxRun
{
    public static Tensor Run(byte[] model, Tensor input, string inputName = "input", string outputName = "output")
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(model, options);
        return Run(session, input, inputName, outputName);
    }

    public static Tensor Run(InferenceSession session, Tensor input, string inputName = "input", string outputName = "output")
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(input);
        var data = input.to(float32).contiguous().data<float>().ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(data, input.shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, new[] { inputName }, new[] { value }, new[] { outputName });
        var output = results[0];
        var shape = output.GetTensorTypeAndShape().Shape;
        return torch.tensor(output.GetTensorDataAsSpan<float>().ToArray(), shape);
    }

    /// <summary>Runs a model whose input is int64 token indices (one that starts with an Embedding).</summary>
    public static Tensor RunIndices(byte[] model, Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        using var session = new InferenceSession(model);
        var data = indices.to(int64).contiguous().data<long>().ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(data, indices.shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, new[] { "input" }, new[] { value }, new[] { "output" });
        var output = results[0];
        var info = output.GetTensorTypeAndShape();
        return info.ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Double
            ? torch.tensor(output.GetTensorDataAsSpan<double>().ToArray(), info.Shape)
            : torch.tensor(output.GetTensorDataAsSpan<float>().ToArray(), info.Shape);
    }

    public static double MaxDifference(Tensor actual, Tensor expected)
    {
        using var difference = (actual.to(float64) - expected.to(float64)).abs().max();
        return difference.item<double>();
    }
}
