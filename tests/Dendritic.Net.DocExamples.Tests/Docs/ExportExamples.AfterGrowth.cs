using Dendritic;
using Dendritic.Onnx;
using TorchSharp;

namespace DocExamples.InExport;

/// <summary>docs/export.md's first example, in a file with exactly its usings (and the fragments that need no more).</summary>
public sealed partial class ExportExamples : DocExample
{
    public static void AfterGrowth(GrowthScheduler scheduler, DendriticModel handle, torch.nn.Module<torch.Tensor, torch.Tensor> baseline)
    {
        // doc-example: docs/export.md
        // After growth: the best model back in place first (a completed run has it already; Finish does nothing then).
        scheduler.Finish();
        DendriteCheckpoint.Save(handle, "model.dndt");              // keep it as a checkpoint too, if you like

        // A model with dendrites, through its handle: from Dendrites.Wrap (replaced or hooked layers), or from
        // Dendrites.Adopt(model) for a model built with DendriteLayers by hand.
        OnnxExporter.Export(handle, sampleInput: torch.randn(1, 3, 32, 32), path: "model.onnx");

        // From a run's checkpoint file instead: its .best is the best model (run.dndt itself is the last epoch, a resume point).
        var best = DendriteCheckpoint.Load(BuildMyModel(), "run.dndt.best");
        OnnxExporter.Export(best.Handle, torch.randn(1, 3, 32, 32), "model.onnx");

        // A model without dendrites (a baseline, or after Unwrap):
        OnnxExporter.Export(baseline, torch.randn(1, 3, 32, 32), "baseline.onnx");

        // In memory (for an InferenceSession built from bytes):
        byte[] bytes = OnnxExporter.ExportToBytes(handle, torch.randn(1, 3, 32, 32));
        // end doc-example
    }

    public static void TimeFirst(DendriticModel handle)
    {
        // doc-example: docs/export.md
        var options = new OnnxExportOptions { InputBatchAxis = 1 };                // OutputBatchAxis = 1 too for [time, batch, hidden]
        OnnxExporter.Export(handle, torch.randn(20, 2, 16), "model.onnx", options);  // runs on [20, any batch, 16]
        // end doc-example
    }

    public static void TorchVision()
    {
        // doc-example: docs/export.md
        var model = torchvision.models.resnet18(num_classes: 10);        // or resnet34/50/101/152, mobilenet_v2, vgg11..19(_bn)
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 }, torch.randn(2, 3, 32, 32));
        // ... train ...
        OnnxExporter.Export(handle, torch.randn(1, 3, 32, 32), "resnet18.onnx");
        // end doc-example
    }
}
