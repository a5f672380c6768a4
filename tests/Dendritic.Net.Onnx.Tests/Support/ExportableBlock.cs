using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>A user block that carries dendrites by copy (<see cref="IDendriteHost"/>) and describes its graph: tanh(fc(x)).</summary>
internal sealed class ExportableBlock : nn.Module<Tensor, Tensor>, IDendriteHost, IOnnxExportable
{
    private readonly Linear fc;

    public ExportableBlock(long inFeatures, long outFeatures)
        : base(nameof(ExportableBlock))
    {
        fc = nn.Linear(inFeatures, outFeatures);
        Neurons = outFeatures;
        RegisterComponents();
    }

    public long Neurons { get; }

    public nn.Module CreateFreshCopy() => new ExportableBlock(fc.in_features, fc.out_features);

    public override Tensor forward(Tensor input) => fc.call(input).tanh();

    public string ExportOnnx(OnnxGraphBuilder builder, string input) =>
        builder.AddNode("Tanh", new[] { builder.AddModule(fc, input, nameof(fc)) });
}

/// <summary>A user block with weights that the exporter cannot know (no <see cref="IOnnxExportable"/>): fc(x) * 2.</summary>
internal sealed class OpaqueBlock : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc;

    public OpaqueBlock(long features)
        : base(nameof(OpaqueBlock))
    {
        fc = nn.Linear(features, features);
        RegisterComponents();
    }

    public long Features => fc.out_features;

    public override Tensor forward(Tensor input) => fc.call(input) * 2;
}
