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
