using System.Collections.Generic;
using System.Linq;
using Dendritic.Onnx.Quantization;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace DocExamples.InExport;

// docs/export.md's calibration adapter for ONNX Runtime, in a file with exactly its usings.

// doc-example: docs/export.md
/// <summary>Runs the quantizer's instrumented model in ONNX Runtime over the calibration batches (float32).</summary>
public static class OrtCalibration
{
    public static CalibrationRunner Runner(IEnumerable<Tensor> batches) => (model, outputs) => Run(model, outputs, batches);

    private static IEnumerable<IReadOnlyList<float[]>> Run(byte[] model, IReadOnlyList<string> outputs, IEnumerable<Tensor> batches)
    {
        using var session = new InferenceSession(model);
        using var runOptions = new RunOptions();
        foreach (var batch in batches)
        {
            using var value = OrtValue.CreateTensorValueFromMemory(batch.to(float32).contiguous().data<float>().ToArray(), batch.shape);
            using var results = session.Run(runOptions, new[] { "input" }, new[] { value }, outputs.ToArray());
            yield return results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray();
        }
    }
}
// end doc-example
