using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>
/// Computes the sample value of the common elementwise nodes that user modules add, so that modules after them still
/// know their input shape (adaptive pooling and partial Flatten need it). Other operators leave the sample unknown.
/// </summary>
internal static class SampleEvaluator
{
    public static Tensor? TryEvaluate(string opType, Tensor?[] inputs)
    {
        foreach (var input in inputs)
        {
            if (input is null)
            {
                return null;
            }
        }

        return (opType, inputs.Length) switch
        {
            ("Identity", 1) => inputs[0],
            ("Relu", 1) => inputs[0]!.relu(),
            ("Sigmoid", 1) => inputs[0]!.sigmoid(),
            ("Tanh", 1) => inputs[0]!.tanh(),
            ("Neg", 1) => inputs[0]!.neg(),
            ("Exp", 1) => inputs[0]!.exp(),
            ("Abs", 1) => inputs[0]!.abs(),
            ("Add", 2) => inputs[0]! + inputs[1]!,
            ("Sub", 2) => inputs[0]! - inputs[1]!,
            ("Mul", 2) => inputs[0]! * inputs[1]!,
            ("Div", 2) => inputs[0]! / inputs[1]!,
            _ => null,
        };
    }
}
