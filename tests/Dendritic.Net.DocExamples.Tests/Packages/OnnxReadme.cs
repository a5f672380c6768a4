using Dendritic.Onnx;
using TorchSharp;

namespace DocExamples.InPackageReadmes;

/// <summary>src/Dendritic.Net.Onnx/README.md's example, in a file with exactly its usings.</summary>
public static class OnnxReadme
{
    public static void Export(Dendritic.DendriticModel handle)
    {
        // doc-example: src/Dendritic.Net.Onnx/README.md
        // The handle from Dendrites.Wrap, or from Dendrites.Adopt(model) for a model built with DendriteLayers by hand.
        OnnxExporter.Export(handle, sampleInput: torch.randn(1, 3, 32, 32), path: "model.onnx");
        // end doc-example
    }
}
