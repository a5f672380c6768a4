using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// The built-in CPU cascade (<see cref="DendriteCascade.Auto"/>) for training: the reference path's forward operations
/// and one vectorised backward pass over float32 CPU tensors, recorded as one autograd node instead of autograd's
/// separate backward operations. It declines (null) what it does not handle, and the layer then runs its reference
/// path. Inference always runs the reference path: its in-place operations are already one pass each, and a managed
/// forward pass was measured slower than libtorch's vectorised sigmoid.
/// </summary>
internal static class CpuCascadeKernel
{
    /// <summary>
    /// The smallest output, in elements, the kernel takes: 32 Ki. Below it a step is bound by the cost of issuing
    /// operations, not by passes over memory, and the reference path's few small operations cost less than one custom
    /// autograd node (a managed callback with its bookkeeping); it also leaves small models, such as the pilot's,
    /// computing exactly as before.
    /// </summary>
    internal const long MinElements = 1L << 15;

    /// <summary>
    /// The fewest sets the kernel takes: 2. With one set autograd's backward is three short passes (the sigmoid's
    /// derivative, one product, one per-neuron sum) and the kernel saved nothing measurable on the development box
    /// (docs/benchmarks-cpu.md, "The CPU cascade"), so one set keeps the reference path, bit for bit.
    /// </summary>
    internal const int MinSets = 2;

    /// <summary>
    /// The cascade for <paramref name="inputs"/> while autograd records, or null for the reference path: inference, a
    /// device other than the CPU, a dtype other than float32, fewer than <see cref="MinSets"/> or more than
    /// <see cref="CpuCascadeShape.MaxSets"/> sets, an
    /// output under <see cref="MinElements"/>, tensors that are not contiguous or disagree in shape, or pre-activations
    /// the layer does not alone hold (the activations are kept in their place).
    /// </summary>
    /// <param name="inputs">What the layer hands a cascade kernel.</param>
    /// <param name="preActivationsOwned">Whether the pre-activations are fresh tensors the layer alone holds.</param>
    public static Tensor? TryCombine(CascadeInputs inputs, bool preActivationsOwned)
    {
        var host = inputs.HostOutput;
        var sets = inputs.Sets;
        if (!is_grad_enabled() || !preActivationsOwned || host.device_type != DeviceType.CPU || host.dtype != ScalarType.Float32
            || sets is < MinSets or > CpuCascadeShape.MaxSets || host.numel() < MinElements || !host.is_contiguous())
        {
            return null;
        }

        var shape = host.shape;
        var axis = inputs.NeuronAxis;
        // The packed weights and their gradients are arrays of Parameters x neurons floats.
        if (axis < 0 || axis >= shape.Length || shape[axis] * (sets + (sets * (sets - 1) / 2)) > Array.MaxLength)
        {
            return null;
        }

        var neurons = shape[axis];
        bool Fits(Tensor? t, long[] expected) => t is not null && t.dtype == ScalarType.Float32 && t.device_type == DeviceType.CPU
            && t.is_contiguous() && t.shape.SequenceEqual(expected);
        for (var k = 0; k < sets; k++)
        {
            if (!Fits(inputs.PreActivations[k], shape) || !Fits(inputs.OutputScales[k], new[] { neurons })
                || (k > 0 && !Fits(inputs.CascadeWeights[k], new[] { k, neurons })))
            {
                return null;
            }
        }

        var problem = CpuCascadeShape.For(shape, axis, sets, inputs.Activation);
        return CpuCascadeFunction.Apply(problem, host, inputs.PreActivations, inputs.OutputScales, inputs.CascadeWeights);
    }
}
