using System.Collections.Generic;

namespace Dendritic.Onnx.Quantization;

/// <summary>
/// Runs an ONNX model on the caller's calibration batches and returns, batch after batch, the values of the named
/// graph outputs. <see cref="OnnxQuantizer.QuantizeStatic"/> calls it once with a copy of the float model whose graph
/// also outputs every activation it needs to calibrate; the caller runs it in the engine of their choice (ONNX
/// Runtime, typically: Dendritic.Net.Onnx does not depend on one) over the batches of their choice.
/// </summary>
/// <param name="model">The serialised ONNX model to run (float, with extra graph outputs).</param>
/// <param name="outputNames">The graph outputs to return, in this order.</param>
/// <returns>
/// One entry per calibration batch; each entry holds one flat float32 array per name of <paramref name="outputNames"/>,
/// in the same order (the values in any layout: only their distribution matters). No entry at all is an error.
/// </returns>
public delegate IEnumerable<IReadOnlyList<float[]>> CalibrationRunner(byte[] model, IReadOnlyList<string> outputNames);
