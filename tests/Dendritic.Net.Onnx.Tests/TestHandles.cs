using System.Linq;
using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// The handle through which the tests export a model built with <see cref="DendriteLayer"/>s by hand: adopted on first
/// use and kept, since a model is adopted once.
/// </summary>
internal static class TestHandles
{
    private static readonly ConditionalWeakTable<nn.Module, DendriticModel> Handles = new();

    public static DendriticModel Of(nn.Module model) => Handles.GetValue(model, m => Dendrites.Adopt(m));

    public static bool HasDendrites(nn.Module model) => model is DendriteLayer || model.modules().Any(m => m is DendriteLayer);

    /// <summary>Exports through the handle when the model holds dendrite layers, else as a plain module.</summary>
    public static byte[] Export(nn.Module model, Tensor sample, OnnxExportOptions? options = null) =>
        HasDendrites(model) ? OnnxExporter.ExportToBytes(Of(model), sample, options) : OnnxExporter.ExportToBytes(model, sample, options);
}
