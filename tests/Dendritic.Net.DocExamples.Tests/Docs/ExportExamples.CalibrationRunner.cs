using System.Collections.Generic;

// A namespace of its own: in DocExamples.InExport this copy would hide the library's delegate from the examples there.
namespace DocExamples.InExport.Declarations;

// doc-example: docs/export.md
public delegate IEnumerable<IReadOnlyList<float[]>> CalibrationRunner(byte[] model, IReadOnlyList<string> outputNames);
// end doc-example

/// <summary>The delegate docs/export.md declares is the library's: each converts to the other, same signature.</summary>
public static class CalibrationRunnerDeclaration
{
    public static Dendritic.Onnx.Quantization.CalibrationRunner ToLibrary(CalibrationRunner documented) => new(documented.Invoke);

    public static CalibrationRunner FromLibrary(Dendritic.Onnx.Quantization.CalibrationRunner library) => new(library.Invoke);
}
