using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>A user module the exporter cannot know: relu(x + conv2(relu(conv1(x)))), described through IOnnxExportable.</summary>
internal sealed class ResidualBlock : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly nn.Module<Tensor, Tensor> conv1;
    private readonly nn.Module<Tensor, Tensor> conv2;

    public ResidualBlock(long channels, int sets)
        : base(nameof(ResidualBlock))
    {
        conv1 = Models.Dendritic(nn.Conv2d(channels, channels, 3, padding: 1), sets, 21);
        conv2 = nn.Conv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) =>
        nn.functional.relu(input + conv2.call(nn.functional.relu(conv1.call(input))));

    public string ExportOnnx(OnnxGraphBuilder builder, string input)
    {
        var h = builder.AddModule(conv1, input, nameof(conv1));
        h = builder.AddNode("Relu", new[] { h });
        h = builder.AddModule(conv2, h, nameof(conv2));
        return builder.AddNode("Relu", new[] { builder.AddNode("Add", new[] { h, input }) });
    }
}

/// <summary>A module with no ONNX description.</summary>
internal sealed class Doubler : nn.Module<Tensor, Tensor>
{
    public Doubler()
        : base(nameof(Doubler))
    {
    }

    public override Tensor forward(Tensor input) => input * 2;
}
