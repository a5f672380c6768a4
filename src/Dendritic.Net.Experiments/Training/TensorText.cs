using System.Globalization;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>How the harness names a tensor in a message.</summary>
internal static class TensorText
{
    /// <summary>Its shape and element type, e.g. "[32, 1] Float32".</summary>
    public static string ShapeAndType(Tensor tensor) =>
        string.Create(CultureInfo.InvariantCulture, $"[{string.Join(", ", tensor.shape)}] {tensor.dtype}");
}
