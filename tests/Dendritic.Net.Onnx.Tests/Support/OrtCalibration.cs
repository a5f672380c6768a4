using System.Collections.Generic;
using System.Linq;
using Dendritic.Onnx.Quantization;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>The ONNX Runtime adapter for calibration: runs the instrumented model over the given batches.</summary>
internal static class OrtCalibration
{
    public static CalibrationRunner Runner(IEnumerable<Tensor> batches, string inputName = "input") => (model, outputNames) => Run(model, outputNames, batches, inputName);

    private static IEnumerable<IReadOnlyList<float[]>> Run(byte[] model, IReadOnlyList<string> outputNames, IEnumerable<Tensor> batches, string inputName)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC };
        using var session = new InferenceSession(model, options);
        using var runOptions = new RunOptions();
        foreach (var batch in batches)
        {
            var data = batch.to(float32).contiguous().data<float>().ToArray();
            using var value = OrtValue.CreateTensorValueFromMemory(data, batch.shape);
            using var results = session.Run(runOptions, new[] { inputName }, new[] { value }, outputNames.ToArray());
            yield return results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray();
        }
    }
}
