using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic.Cuda;

/// <summary>
/// The fused cascade behind <see cref="ICascadeKernel"/>: plans each call (declining what cascade.cu does not handle)
/// and runs it through a launcher, recorded as one <see cref="CascadeFunction"/> node when autograd records.
/// </summary>
internal sealed class FusedCascadeKernel : IBiasGradientKernel
{
    /// <summary>
    /// The smallest output, in bytes, for which <see cref="CudaCascade"/>'s kernel takes a one-set cascade while autograd
    /// records: 32 MiB. At D = 1 the kernel replaces two element-wise kernels forward and three backward, which on a
    /// smaller output cost less than its one autograd node (a managed callback and its bookkeeping, tens of
    /// microseconds of CPU): on the H200 the reference path was as fast or faster at D = 1 in every training cell with an
    /// 8-16 MiB output and the kernel as fast or faster on the 64-128 MiB ones (docs/benchmarks-cuda.md, runs 4 and 5). The
    /// threshold lies between the two measured sizes and was tuned on that GPU only.
    /// </summary>
    internal const long OneSetTrainingMinBytes = 32L << 20;

    /// <summary>
    /// Most neurons the kernels take: the "rows" kernels compute a thread's first neuron as a 32-bit int from a grid
    /// rounded up to whole blocks (up to 2 x 128 - 1 past the count), which must not wrap to a negative index.
    /// </summary>
    internal const long MaxNeurons = int.MaxValue - 255;

    private readonly ICascadeLauncher _launcher;
    private readonly long _oneSetTrainingMinBytes;
    private readonly bool _takeWhole;

    /// <param name="launcher">Runs the kernels.</param>
    /// <param name="oneSetTrainingMinBytes">
    /// Outputs smaller than this (bytes) keep the reference path for a one-set cascade in training; 0 (the default,
    /// used by the exactness checks) takes every call the kernel can run.
    /// </param>
    /// <param name="takeWhole">
    /// Whether the node takes a fused projection's whole output as its input when the layer offers it
    /// (<see cref="CascadeInputs.PreActivationsWhole"/>), so that its gradient leaves in one piece; false records the
    /// node over the per-set chunks, and autograd concatenates their gradients (the A/B in the benchmarks).
    /// </param>
    public FusedCascadeKernel(ICascadeLauncher launcher, long oneSetTrainingMinBytes = 0, bool takeWhole = true)
    {
        _launcher = launcher;
        _oneSetTrainingMinBytes = oneSetTrainingMinBytes;
        _takeWhole = takeWhole;
    }

    /// <summary>
    /// Runs the cascade, or returns null for the reference path: a device the launcher does not take, a dtype other
    /// than float32 and bfloat16, more than <see cref="CascadeProblem.MaxSets"/> sets, an empty output, tensors that
    /// disagree in device, dtype or shape, or a one-set cascade in training on an output below the threshold given
    /// (unless a <see cref="CudaGraphStep"/> capture is under way).
    /// </summary>
    public Tensor? TryCombine(CascadeInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var host = inputs.HostOutput;
        var sets = inputs.Sets;
        var axis = inputs.NeuronAxis;
        // The one-set rule first: the step it declines is dispatch-bound, so it should cost no further queries.
        if (OneSetRuleApplies(sets) && host.numel() * host.ElementSize < _oneSetTrainingMinBytes)
        {
            return null;
        }

        var shape = host.shape;
        if (!Takes(host.device, host.dtype, sets, axis < 0 || axis >= shape.Length ? -1 : shape[axis], inputs.Activation)
            || host.numel() == 0)
        {
            return null;
        }

        var pre = inputs.PreActivations.ToList();
        var u = inputs.OutputScales;
        var v = inputs.CascadeWeights;
        var neurons = shape[axis];
        bool Matches(Tensor? t, long[] expected) => t is not null && t.dtype == host.dtype && t.device_type == host.device_type
            && t.device_index == host.device_index && t.shape.SequenceEqual(expected);
        for (var k = 0; k < sets; k++)
        {
            if (!Matches(pre[k], shape) || !Matches(u[k], new[] { neurons }) || !u[k].is_contiguous()
                || (k > 0 && (!Matches(v[k], new[] { k, neurons }) || !v[k]!.is_contiguous())))
            {
                return null;
            }
        }

        // Bias parameters come only while autograd records, one for the host and one per set, each shaped [neurons].
        var biases = inputs.BiasParameters;
        if (biases is not null && (!is_grad_enabled() || biases.Count != sets + 1 || !biases.All(b => Matches(b, new[] { neurons }))))
        {
            return null;
        }

        var outer = shape.Take(axis).Aggregate(1L, (a, b) => a * b);
        var inner = shape.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        var problem = new CascadeProblem(sets, host.dtype, inputs.Activation, outer, (int)neurons, inner, (int)host.device_index, BiasGradients: biases is not null);

        // Views a single layout cannot describe (a grouped convolution's fused projection) are copied once.
        var layouts = pre.Select(p => StridedLayout.Of(p, axis)).ToList();
        var preLayout = layouts[0];
        var whole = _takeWhole && is_grad_enabled() ? inputs.PreActivationsWhole : null;
        if (preLayout is null || layouts.Any(l => l != preLayout))
        {
            pre = pre.Select(p => p.contiguous()).ToList();
            preLayout = StridedLayout.Contiguous(problem);
            whole = null;
        }

        var hostLayout = StridedLayout.Of(host, axis);
        if (hostLayout is null)
        {
            host = host.contiguous();
            hostLayout = StridedLayout.Contiguous(problem);
        }

        var pairs = CascadeProblem.TakesPairs(inner, neurons, host.ElementSize, new[] { hostLayout.Value, preLayout.Value }, pre.Append(host).Select(TensorPointers.Of));
        problem = problem with { Pairs = pairs };

        if (is_grad_enabled())
        {
            if (whole is not null && IsWholeOf(whole, pre, axis))
            {
                return CascadeFunction.ApplyWhole(new CascadeCall(_launcher, problem, hostLayout.Value, preLayout.Value, axis), host, whole, u, v, biases);
            }

            return CascadeFunction.Apply(new CascadeCall(_launcher, problem, hostLayout.Value, preLayout.Value), host, pre, u, v, biases);
        }

        var call = new CascadeCall(_launcher, problem, hostLayout.Value, preLayout.Value);

        var contiguous = StridedLayout.Contiguous(problem);
        var inPlace = (inputs.MayOverwriteHostOutput || !ReferenceEquals(host, inputs.HostOutput)) && host.is_contiguous();
        var output = inPlace ? host : empty(shape, host.dtype, host.device);
        call.Forward(output, contiguous, host, pre, u, v);
        return output;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Yes where <see cref="TryCombine"/> takes a training call: a device the launcher takes, float32 or bfloat16, 1 to
    /// <see cref="CascadeProblem.MaxSets"/> sets, and not a one-set step that the one-set rule leaves to the reference
    /// path (any one-set step outside a <see cref="CudaGraphStep"/> capture, as the output's size is not known yet).
    /// </remarks>
    public bool TakesBiasGradients(Device device, ScalarType dtype, int sets, long neurons, DendriteActivation activation) =>
        Takes(device, dtype, sets, neurons, activation) && !OneSetRuleApplies(sets);

    /// <summary>
    /// Whether the one-set rule may decline a call of <paramref name="sets"/> sets, depending on its output's size: a
    /// one-set training step outside a <see cref="CudaGraphStep"/> capture (a replay pays no dispatch, so the rule does
    /// not apply to a step prepared for one), with a threshold set.
    /// </summary>
    private bool OneSetRuleApplies(int sets) => sets == 1 && _oneSetTrainingMinBytes > 0 && is_grad_enabled() && !GraphCaptureState.Active;

    /// <summary>The checks of a call that need no tensor: device, dtype, set count, neuron count and activation.</summary>
    private bool Takes(Device device, ScalarType dtype, int sets, long neurons, DendriteActivation activation) =>
        _launcher.Supports(device) && dtype is ScalarType.Float32 or ScalarType.BFloat16 && sets is >= 1 and <= CascadeProblem.MaxSets
        && neurons is >= 0 and <= MaxNeurons && Enum.IsDefined(activation);

    /// <summary>
    /// Whether <paramref name="pre"/> are exactly <paramref name="whole"/>'s chunks along <paramref name="axis"/>, in
    /// order: same dtype and device, each part starting one part's width further into the same memory. A layer's
    /// claim is checked, not trusted, because the node then reads the parts from the whole.
    /// </summary>
    internal static bool IsWholeOf(Tensor whole, IReadOnlyList<Tensor> pre, int axis)
    {
        var shape = pre[0].shape;
        if (whole.dtype != pre[0].dtype || whole.device_type != pre[0].device_type || whole.device_index != pre[0].device_index
            || whole.dim() != shape.Length || whole.shape[axis] != shape[axis] * pre.Count)
        {
            return false;
        }

        for (var d = 0; d < shape.Length; d++)
        {
            if (d != axis && whole.shape[d] != shape[d])
            {
                return false;
            }
        }

        var partBytes = shape[axis] * whole.stride(axis) * whole.ElementSize;
        var start = TensorPointers.Of(whole).ToInt64();
        for (var k = 0; k < pre.Count; k++)
        {
            if (TensorPointers.Of(pre[k]).ToInt64() != start + (k * partBytes) || !pre[k].stride().SequenceEqual(whole.stride()))
            {
                return false;
            }
        }

        return true;
    }
}
