using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>One state-dict entry without its data: its shape and dtype.</summary>
internal readonly record struct TensorLayout(long[] Shape, ScalarType DType)
{
    public bool SameAs(TensorLayout other) => DType == other.DType && Shape.SequenceEqual(other.Shape);

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>
/// How a file's tensors differ from what a model holds (<see cref="StateLayout.FirstDifference"/>): keys one side lacks,
/// or, when the keys agree, the first key whose layout differs (<see cref="Found"/> in the file, <see cref="Wanted"/> by the model).
/// </summary>
internal sealed record LayoutDifference(string Key, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, TensorLayout? Found, TensorLayout? Wanted);
