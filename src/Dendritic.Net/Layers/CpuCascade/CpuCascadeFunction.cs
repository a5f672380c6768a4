using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// The CPU cascade as one autograd node. Inputs, in order: the <see cref="CpuCascadeShape"/>, the host output, the D
/// pre-activations, the D output scales u_k and the D - 1 cascade weights v_1..v_{D-1}. Forward runs the reference
/// path's libtorch operations, overwriting each pre-activation with the cascade terms and (sigmoid, tanh) its
/// activation (the layer alone holds the pre-activations, and no other backward formula reads them: a Linear or
/// convolution saves its input and weight, not its output), and saves the activations; backward is
/// <see cref="CpuCascadeMath.Backward"/>'s single pass, which does not record a graph of its own (first-order gradients
/// only).
/// </summary>
internal sealed class CpuCascadeFunction : autograd.SingleTensorFunction<CpuCascadeFunction>
{
    private const string ShapeKey = "shape";
    private const string WeightsKey = "weights";

    public override string Name => nameof(CpuCascadeFunction);

    /// <summary>Records the node and runs the forward pass.</summary>
    public static Tensor Apply(CpuCascadeShape shape, Tensor host, IReadOnlyList<Tensor> pre, IReadOnlyList<Tensor> u, IReadOnlyList<Tensor?> v) =>
        apply(CascadeArguments.Pack(shape, host, pre, u, v));

    /// <summary>The per-neuron weights u_0..u_{D-1}, then v_{k,i}, copied into one array of <see cref="CpuCascadeShape.Parameters"/> rows.</summary>
    public static float[] Pack(CpuCascadeShape shape, IReadOnlyList<Tensor> u, IReadOnlyList<Tensor?> v)
    {
        var packed = new float[shape.Parameters * shape.Neurons];
        for (var k = 0; k < shape.Sets; k++)
        {
            u[k].data<float>().CopyTo(packed.AsSpan(CpuCascadeShape.U(k) * shape.Neurons, shape.Neurons));
            if (k > 0)
            {
                // v_k is [k, out], row i weighing set i: the rows V(k, 0)..V(k, k - 1) are consecutive.
                v[k]!.data<float>().CopyTo(packed.AsSpan(shape.V(k, 0) * shape.Neurons, k * shape.Neurons));
            }
        }

        return packed;
    }

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var shape = (CpuCascadeShape)vars[0];
        var (host, pre, u, v) = CascadeArguments.Unpack(vars, shape.Sets);
        var neuronShape = new long[1 + shape.TrailingAxes];
        Array.Fill(neuronShape, 1L);
        neuronShape[0] = shape.Neurons;

        // The reference path's in-place operations (DendriteBranch.CombineInPlace runs the same), so the output is bit
        // for bit the reference's: libtorch's element-wise kernels are as fast as one pass forward can be; the saving is
        // in backward. The first product allocates the output, which leaves the host output as it was.
        var activations = new List<Tensor>(shape.Sets);
        Tensor output;
        using (no_grad())
        {
            output = InPlaceCascade.Run(host, pre, u, v, shape.Activation, neuronShape, keepHostOutput: true, activations);
        }

        ctx.save_for_backward(activations);
        ctx.save_data(ShapeKey, shape);
        ctx.save_data(WeightsKey, Pack(shape, u, v));
        return output;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        GradientHandOff.ReleasePrevious();
        var shape = (CpuCascadeShape)ctx.get_data(ShapeKey);
        var packed = (float[])ctx.get_data(WeightsKey);
        var neurons = shape.Neurons;

        using (var scope = NewDisposeScope())
        {
            var activations = ctx.get_saved_variables();
            var grad = grad_output.contiguous();
            var gradPre = activations.Select(a => empty(a.shape, a.dtype, a.device)).ToList();
            var gradPacked = new float[packed.Length];
            CpuCascadeMath.Backward(
                shape,
                TorchSharpInternals.DataPointer(grad),
                activations.Select(TorchSharpInternals.DataPointer).ToArray(),
                packed,
                gradPre.Select(TorchSharpInternals.DataPointer).ToArray(),
                gradPacked,
                get_num_threads());

            // One gradient per input, in forward's order; none for the shape. dL/dhost is dL/dy itself.
            var result = new List<Tensor> { null!, grad };
            result.AddRange(gradPre);
            result.AddRange(Enumerable.Range(0, shape.Sets).Select(k => tensor(gradPacked.AsSpan(CpuCascadeShape.U(k) * neurons, neurons).ToArray(), new long[] { neurons })));
            result.AddRange(Enumerable.Range(1, shape.Sets - 1).Select(k => tensor(gradPacked.AsSpan(shape.V(k, 0) * neurons, k * neurons).ToArray(), new long[] { k, neurons })));
            return GradientHandOff.HandBack(result, grad_output);
        }
    }
}
