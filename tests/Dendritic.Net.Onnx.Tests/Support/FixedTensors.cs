using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>
/// Weights for a forward written as TorchSharp code and for its description written as ONNX nodes: the same normal
/// values on every call for one seed, so each side makes its own copy and neither keeps a tensor alive.
/// </summary>
internal static class FixedTensors
{
    public static Tensor Normal(ulong seed, params long[] shape)
    {
        using var generator = new Generator(seed);
        return randn(shape, generator: generator);
    }

    /// <summary>The values of <see cref="Normal"/> as an initializer of the graph.</summary>
    public static string Initializer(OnnxGraphBuilder builder, ulong seed, params long[] shape)
    {
        using var weight = Normal(seed, shape);
        return builder.AddInitializer(weight, "weight");
    }
}
