using System.IO;
using Dendritic.Onnx;
using Dendritic.Onnx.Quantization;
using TorchSharp;

namespace DocExamples.InExport;

/// <summary>docs/export.md's quantization example, in a file with exactly its usings. OrtCalibration is the adapter
/// the docs give below it (ExportExamples.OrtCalibration.cs), in the same namespace as the reader's own class would be.</summary>
public sealed partial class ExportExamples
{
    public static void Quantize(Dendritic.DendriticModel handle, System.Collections.Generic.IEnumerable<torch.Tensor> calibrationBatches)
    {
        // doc-example: docs/export.md
        byte[] model = OnnxExporter.ExportToBytes(handle, torch.randn(1, 784));   // or File.ReadAllBytes("model.onnx")

        // Dynamic: no calibration. Weights int8; each projection's input is quantized at run time.
        OnnxQuantizationResult dynamic = OnnxQuantizer.QuantizeDynamic(model);

        // Static (QDQ): activation ranges calibrated on your batches, run by your ONNX engine. OrtCalibration is your own
        // class, not in a package: the short adapter below, copied into your app.
        OnnxQuantizationResult quantized = OnnxQuantizer.QuantizeStatic(model, OrtCalibration.Runner(calibrationBatches),
            new OnnxQuantizationOptions { Method = CalibrationMethod.MinMax });              // or Percentile (99.99 by default)
        File.WriteAllBytes("model.int8.onnx", quantized.Model);
        // quantized.QuantizedNodes: the Gemm/MatMul/Conv now on int8 weights; quantized.FloatNodes: any left float, and why.
        // end doc-example
    }
}
