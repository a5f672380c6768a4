using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Cuda;

/// <summary>
/// The fused cascade as one autograd node. Inputs, in order: the <see cref="CascadeCall"/>, the host output, the
/// pre-activations (the D per-set tensors, or, when <see cref="CascadeCall.WholeAxis"/> is set, the one fused
/// projection output they are chunks of), the D output scales u_k and the D - 1 cascade weights v_1..v_{D-1}. It saves
/// the pre-activations (autograd keeps the projection's output alive anyway) and recomputes the activations in backward.
/// </summary>
internal sealed class CascadeFunction : autograd.SingleTensorFunction<CascadeFunction>
{
    private const string CallKey = "call";

    public override string Name => nameof(CascadeFunction);

    /// <summary>Records the node over per-set pre-activations and runs the forward kernel.</summary>
    /// <remarks>
    /// With <see cref="CascadeProblem.BiasGradients"/>, <paramref name="biases"/> are the host's bias and each set's
    /// (parameters the layer left out of its products' autograd): the node takes them only to return their gradients,
    /// the per-neuron sums of the output's and each pre-activation's gradient that its backward kernel computes.
    /// </remarks>
    public static Tensor Apply(CascadeCall call, Tensor host, IReadOnlyList<Tensor> pre, IReadOnlyList<Tensor> u, IReadOnlyList<Tensor?> v, IReadOnlyList<Tensor>? biases = null) =>
        apply(CascadeArguments.Pack(call, host, pre, u, v, biases));

    /// <summary>
    /// Records the node over <paramref name="whole"/>, the fused projection output whose D chunks along
    /// <see cref="CascadeCall.WholeAxis"/> are the pre-activations, and runs the forward kernel.
    /// </summary>
    public static Tensor ApplyWhole(CascadeCall call, Tensor host, Tensor whole, IReadOnlyList<Tensor> u, IReadOnlyList<Tensor?> v, IReadOnlyList<Tensor>? biases = null) =>
        apply(CascadeArguments.Pack(call, host, new[] { whole }, u, v, biases));

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var call = (CascadeCall)vars[0];
        var sets = call.Problem.Sets;
        var (host, pre, u, v) = CascadeArguments.Unpack(vars, sets, PreCount(call));
        var output = empty(host.shape, host.dtype, host.device);
        using (NewDisposeScope())
        {
            // The output was made before this scope and stays; the chunk views made here die with it.
            call.Forward(output, StridedLayout.Contiguous(call.Problem), host, Parts(call, pre), u, v);
        }

        ctx.save_for_backward(pre.Concat(u).Concat(v.Skip(1)).Select(t => t!).ToList());
        ctx.save_data(CallKey, call);
        return output;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        GradientHandOff.ReleasePrevious();
        var call = (CascadeCall)ctx.get_data(CallKey);
        var problem = call.Problem;
        var sets = problem.Sets;
        var inputs = PreCount(call);

        using (var scope = NewDisposeScope())
        {
            // Everything made here dies with the scope (saved-variable handles, views, the gradient buffers' own
            // handles) except the gradients returned, which are views or copies of those buffers.
            var saved = ctx.get_saved_variables();
            var pre = saved.Take(inputs).ToList();
            var u = saved.Skip(inputs).Take(sets).ToList();
            var v = new List<Tensor?> { null };
            v.AddRange(saved.Skip(inputs + sets));
            var grad = grad_output.contiguous();

            // dL/dp_k goes where autograd wants it: into one tensor shaped like the fused projection output (its
            // chunks, in the layout they have there), or into one [sets, ...] buffer whose rows are the per-set gradients.
            List<Tensor> gradInputs;
            IReadOnlyList<Tensor> gradParts;
            StridedLayout gradLayout;
            if (call.WholeAxis is int axis)
            {
                var gradWhole = empty(pre[0].shape, grad.dtype, grad.device);
                gradParts = gradWhole.chunk(sets, axis);
                gradLayout = StridedLayout.Of(gradParts[0], axis)
                    ?? throw new InvalidOperationException("A chunk of a contiguous projection output has no strided layout; this is a bug.");
                gradInputs = new List<Tensor> { gradWhole };
            }
            else
            {
                var gradPre = empty(new long[] { sets }.Concat(grad.shape).ToArray(), grad.dtype, grad.device);
                gradParts = Enumerable.Range(0, sets).Select(k => gradPre[k]).ToList();
                gradLayout = StridedLayout.Contiguous(problem);
                gradInputs = gradParts.ToList();
            }

            var gradParams = call.Backward(grad, Parts(call, pre), gradParts, gradLayout, u, v);

            // One gradient per input, in forward's order; none for the call object. dL/dhost is dL/dy itself.
            var result = new List<Tensor> { null!, grad };
            result.AddRange(gradInputs);
            result.AddRange(Enumerable.Range(0, sets).Select(k => gradParams[k]));
            result.AddRange(Enumerable.Range(1, sets - 1).Select(k => gradParams.narrow(0, problem.VRow(k), k)));
            if (problem.BiasGradients)
            {
                // The host's bias, then each set's, as Apply took them.
                result.AddRange(Enumerable.Range(0, sets + 1).Select(r => gradParams[problem.HostBiasRow + r]));
            }

            return GradientHandOff.HandBack(result, grad_output);
        }
    }

    private static int PreCount(CascadeCall call) => call.WholeAxis is null ? call.Problem.Sets : 1;

    /// <summary>The per-set pre-activations: the inputs themselves, or the chunks of the one fused output (views, in the caller's scope).</summary>
    private static IReadOnlyList<Tensor> Parts(CascadeCall call, List<Tensor> pre) =>
        call.WholeAxis is int axis ? pre[0].chunk(call.Problem.Sets, axis) : pre;
}
