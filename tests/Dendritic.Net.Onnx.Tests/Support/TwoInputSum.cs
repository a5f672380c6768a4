using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>A module of two inputs: what a two-branch model's root looks like to the exporter.</summary>
internal sealed class TwoInputSum : nn.Module<Tensor, Tensor, Tensor>
{
    public TwoInputSum()
        : base(nameof(TwoInputSum))
    {
    }

    public override Tensor forward(Tensor first, Tensor second) => first + second;
}

/// <summary>A module of two inputs that describes a graph of one, which its forward cannot be checked against.</summary>
internal sealed class DescribedTwoInputSum : nn.Module<Tensor, Tensor, Tensor>, IOnnxExportable
{
    public DescribedTwoInputSum()
        : base(nameof(DescribedTwoInputSum))
    {
    }

    public override Tensor forward(Tensor first, Tensor second) => first + second;

    public string ExportOnnx(OnnxGraphBuilder builder, string input) => input;
}
