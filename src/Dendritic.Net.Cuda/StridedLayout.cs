using static TorchSharp.torch;

namespace Dendritic.Cuda;

/// <summary>
/// Where element (o, n, p) of a tensor lies: <c>o * Outer + n * Neuron + p</c> elements from its first element
/// (struct Layout of cascade.cu). Covers contiguous tensors and the per-set views a fused projection splits off.
/// </summary>
internal readonly record struct StridedLayout(long Outer, long Neuron)
{
    /// <summary>The layout of a contiguous tensor of <paramref name="problem"/>'s shape.</summary>
    public static StridedLayout Contiguous(CascadeProblem problem) => new(problem.Neurons * problem.Inner, problem.Inner);

    /// <summary>
    /// The layout of <paramref name="tensor"/> with neurons on <paramref name="axis"/>, or null when its elements do
    /// not fit one (positions not contiguous, or leading axes that do not flatten into one row stride).
    /// </summary>
    public static StridedLayout? Of(Tensor tensor, int axis)
    {
        var shape = tensor.shape;
        var strides = tensor.stride();
        long expected = 1;
        for (var d = shape.Length - 1; d > axis; d--)
        {
            if (shape[d] != 1 && strides[d] != expected)
            {
                return null;
            }

            expected *= shape[d];
        }

        var neuron = strides[axis];
        long outer = 0;
        long next = -1;
        for (var d = axis - 1; d >= 0; d--)
        {
            if (shape[d] == 1)
            {
                continue;
            }

            if (next >= 0 && strides[d] != next)
            {
                return null;
            }

            if (next < 0)
            {
                outer = strides[d];
            }

            next = strides[d] * shape[d];
        }

        return new StridedLayout(outer, neuron);
    }
}
