using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>
/// Fields typed as the concrete layer: Dendrites.Wrap cannot replace them and attaches dendrites through forward hooks.
/// </summary>
internal sealed class ConcreteFieldMlp : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public ConcreteFieldMlp()
        : base(nameof(ConcreteFieldMlp))
    {
        fc1 = nn.Linear(6, 10);
        fc2 = nn.Linear(10, 3);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => fc2.call(nn.functional.relu(fc1.call(input)));

    public string ExportOnnx(OnnxGraphBuilder builder, string input)
    {
        var h = builder.AddModule(fc1, input, nameof(fc1));
        h = builder.AddNode("Relu", new[] { h });
        return builder.AddModule(fc2, h, nameof(fc2));
    }
}
