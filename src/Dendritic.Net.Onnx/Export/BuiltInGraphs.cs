using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>
/// The graph descriptions that ship with the exporter for module types users cannot annotate (see
/// <see cref="TorchVisionGraphs"/>), looked up by the module's runtime type name. Because the types are matched by
/// name, not compiled against, every description is checked on the sample input (<see cref="DescriptionCheck"/>, as
/// users' descriptions are): the output its graph computes must equal the module's own forward, or the export fails
/// naming the module instead of writing a wrong file.
/// </summary>
internal static class BuiltInGraphs
{
    private static readonly Dictionary<string, Func<ModuleGraph, string, string>> Descriptions =
        TorchVisionGraphs.All.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    /// <summary>The module types described here, for error messages.</summary>
    public const string Supported = "TorchVision's ResNet (BasicBlock, Bottleneck), MobileNetV2 (InvertedResidual) and VGG";

    /// <summary>The output's name, or null when no built-in description knows the module's type.</summary>
    public static string? TryEmit(OnnxGraphBuilder builder, nn.Module module, string input)
    {
        if (module.GetType().FullName is not { } name || !Descriptions.TryGetValue(name, out var describe))
        {
            return null;
        }

        var output = describe(new ModuleGraph(builder, module), input);
        if (builder.Sample(input) is { } sample && module is nn.Module<Tensor, Tensor> typed)
        {
            var expected = typed.call(sample);
            DescriptionCheck.Verify(builder, module, output, expected, $"the built-in ONNX description of {name}", "This version of the type computes something else than the description expects. Implement Dendritic.Onnx.IOnnxExportable on a module of your own that reproduces it.");
            builder.SetSample(output, expected);
        }

        return output;
    }
}
