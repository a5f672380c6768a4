using System;
using System.Collections.Generic;

namespace Dendritic.Onnx.Export;

/// <summary>
/// Graph descriptions of TorchVision 0.107's models, whose blocks are private nested classes that users cannot
/// extend with <see cref="IOnnxExportable"/>. Each one is keyed by the runtime type's full name and reproduces that
/// type's <c>forward</c> from its named children only, so this package needs no reference to TorchVision (which
/// would bring SkiaSharp 2.88 into every application that exports). The children themselves (convolutions, possibly
/// replaced by dendrite layers, BatchNorm, activations, Sequential stages) go through the ordinary converters.
/// <see cref="BuiltInGraphs"/> checks every description against the module's own forward on the sample input.
/// </summary>
internal static class TorchVisionGraphs
{
    public static IEnumerable<KeyValuePair<string, Func<ModuleGraph, string, string>>> All { get; } = new Dictionary<string, Func<ModuleGraph, string, string>>(StringComparer.Ordinal)
    {
        // ResNet.forward: fc(flatten(avgpool(layer4(...layer1(maxpool(relu(bn1(conv1(x))))))))).
        ["TorchSharp.Modules.ResNet"] = (g, x) =>
            g.Chain(x, "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "flatten", "fc"),

        // BasicBlock.forward: relu(bn2(conv2(relu1(bn1(conv1(x))))) + downsample(x)), downsample absent = identity.
        ["TorchSharp.Modules.ResNet+BasicBlock"] = (g, x) =>
            Residual(g, g.Chain(x, "conv1", "bn1", "relu1", "conv2", "bn2"), x),

        // Bottleneck.forward: relu(bn3(conv3(relu2(bn2(conv2(relu1(bn1(conv1(x))))))) + downsample(x)).
        ["TorchSharp.Modules.ResNet+Bottleneck"] = (g, x) =>
            Residual(g, g.Chain(x, "conv1", "bn1", "relu1", "conv2", "bn2", "relu2", "conv3", "bn3"), x),

        // MobileNetV2.forward: classifier(flatten(adaptive_avg_pool2d(features(x), 1), 1)).
        ["TorchSharp.Modules.MobileNetV2"] = (g, x) =>
            g.Child("classifier", g.FlattenFromAxis1(g.GlobalAveragePool(g.Child("features", x)))),

        // InvertedResidual.forward: x + conv(x) when stride is 1 and the channels match (use_res_connect), else conv(x).
        ["TorchSharp.Modules.MobileNetV2+InvertedResidual"] = (g, x) =>
            g.Flag("use_res_connect")
                ? g.Builder.AddNode("Add", new[] { x, g.Child("conv", x) })
                : g.Child("conv", x),

        // VGG.forward: classifier(avgpool(features(x)).flatten(1)).
        ["TorchSharp.Modules.VGG"] = (g, x) =>
            g.Child("classifier", g.FlattenFromAxis1(g.Chain(x, "features", "avgpool"))),
    };

    private static string Residual(ModuleGraph g, string main, string input) =>
        g.Builder.AddNode("Relu", new[] { g.Builder.AddNode("Add", new[] { main, g.OptionalChild("downsample", input) }) });
}
