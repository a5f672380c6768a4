using System;
using Microsoft.ML.OnnxRuntime;

namespace DocExamples.InExport;

/// <summary>docs/export.md's ONNX Runtime example, in a file with exactly its usings.</summary>
public sealed partial class ExportExamples
{
    private static float[] ReadImages() => throw new NotSupportedException(NeverRun);

    public static void RunInOnnxRuntime(long batch)
    {
        // doc-example: docs/export.md
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession("model.onnx", options);

        float[] data = ReadImages();                          // your batch, row-major, shape [batch, 3, 32, 32]
        using var input = OrtValue.CreateTensorValueFromMemory(data, new long[] { batch, 3, 32, 32 });
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, new[] { "input" }, new[] { input }, new[] { "output" });
        ReadOnlySpan<float> logits = outputs[0].GetTensorDataAsSpan<float>();
        long[] shape = outputs[0].GetTensorTypeAndShape().Shape;
        // end doc-example
    }
}
