using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Identity in the forward pass; in the backward pass it hands the incoming gradient (∂loss/∂output) to a
/// <see cref="CorrelationObserver"/> and passes it on unchanged. TorchSharp has no tensor hooks, so a custom
/// autograd function is the way to see a gradient in the middle of the graph.
/// </summary>
internal sealed class GradientTap : autograd.SingleTensorFunction<GradientTap>
{
    private const string SinkKey = "sink";

    public override string Name => nameof(GradientTap);

    public static Tensor Apply(Tensor input, CorrelationObserver sink) => apply(input, sink);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        ctx.save_data(SinkKey, vars[1]);

        // A copy, not the input itself: the output may be modified in place downstream (inplace ReLU).
        return ((Tensor)vars[0]).clone();
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        ((CorrelationObserver)ctx.get_data(SinkKey)).RecordError(grad_output);
        return new List<Tensor> { grad_output, null! };
    }
}
