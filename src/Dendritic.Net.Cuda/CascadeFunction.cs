using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Cuda;

/// <summary>
/// The fused cascade as one autograd node. Inputs, in order: the <see cref="CascadeCall"/>, the host output, the D
/// pre-activations, the D output scales u_k and the D - 1 cascade weights v_1..v_{D-1}. It saves the pre-activations
/// (autograd keeps the projection's output alive anyway) and recomputes the activations in backward.
/// </summary>
internal sealed class CascadeFunction : autograd.SingleTensorFunction<CascadeFunction>
{
    private const string CallKey = "call";

    public override string Name => nameof(CascadeFunction);

    /// <summary>Records the node and runs the forward kernel.</summary>
    public static Tensor Apply(CascadeCall call, Tensor host, IReadOnlyList<Tensor> pre, IReadOnlyList<Tensor> u, IReadOnlyList<Tensor?> v) =>
        apply(CascadeArguments.Pack(call, host, pre, u, v));

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var call = (CascadeCall)vars[0];
        var (host, pre, u, v) = CascadeArguments.Unpack(vars, call.Problem.Sets);
        var output = empty(host.shape, host.dtype, host.device);
        call.Forward(output, StridedLayout.Contiguous(call.Problem), host, pre, u, v);
        ctx.save_for_backward(pre.Concat(u).Concat(v.Skip(1)).Select(t => t!).ToList());
        ctx.save_data(CallKey, call);
        return output;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        GradientHandOff.ReleasePrevious();
        var call = (CascadeCall)ctx.get_data(CallKey);
        var sets = call.Problem.Sets;

        using (var scope = NewDisposeScope())
        {
            // Everything made here dies with the scope (saved-variable handles, the gradient buffers' own handles)
            // except the gradients returned, which are views or copies of those buffers.
            var saved = ctx.get_saved_variables();
            var pre = saved.Take(sets).ToList();
            var u = saved.Skip(sets).Take(sets).ToList();
            var v = new List<Tensor?> { null };
            v.AddRange(saved.Skip(2 * sets));
            var grad = grad_output.contiguous();
            var (gradPre, gradParams) = call.Backward(grad, pre, u, v);

            // One gradient per input, in forward's order; none for the call object. dL/dhost is dL/dy itself.
            var result = new List<Tensor> { null!, grad };
            result.AddRange(Enumerable.Range(0, sets).Select(k => gradPre[k]));
            result.AddRange(Enumerable.Range(0, sets).Select(k => gradParams[k]));
            result.AddRange(Enumerable.Range(1, sets - 1).Select(k => gradParams.narrow(0, call.Problem.VRow(k), k)));
            return GradientHandOff.HandBack(result, grad_output);
        }
    }
}
