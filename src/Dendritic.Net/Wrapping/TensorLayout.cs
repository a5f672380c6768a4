using System.Linq;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>One state-dict entry without its data: its shape and dtype.</summary>
internal readonly record struct TensorLayout(long[] Shape, ScalarType DType)
{
    // Compare with this, not ==: the record's generated equality compares the shape arrays by reference.
    public bool SameAs(TensorLayout other) => DType == other.DType && Shape.SequenceEqual(other.Shape);

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
