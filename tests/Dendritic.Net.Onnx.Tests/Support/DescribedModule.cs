using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>
/// fc, then one step given twice: as TorchSharp code for forward and as ONNX nodes for ExportOnnx. The Linear makes the
/// step's input depend on weights, and its field type lets Dendrites.Wrap hook it.
/// </summary>
internal sealed class DescribedModule : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Linear fc;
    private readonly Func<Tensor, Tensor> step;
    private readonly Func<OnnxGraphBuilder, string, string> describe;

    /// <param name="features">The Linear's input and output features.</param>
    /// <param name="step">What forward does after the Linear.</param>
    /// <param name="describe">The same as ONNX nodes: the builder and the Linear's output value, returning the step's.</param>
    public DescribedModule(long features, Func<Tensor, Tensor> step, Func<OnnxGraphBuilder, string, string> describe)
        : base(nameof(DescribedModule))
    {
        fc = nn.Linear(features, features);
        this.step = step;
        this.describe = describe;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => step(fc.call(input));

    public string ExportOnnx(OnnxGraphBuilder builder, string input) => describe(builder, builder.AddModule(fc, input, nameof(fc)));
}
