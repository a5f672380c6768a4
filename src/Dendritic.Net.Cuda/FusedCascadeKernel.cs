using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic.Cuda;

/// <summary>
/// The fused cascade behind <see cref="ICascadeKernel"/>: plans each call (declining what cascade.cu does not handle)
/// and runs it through a launcher, recorded as one <see cref="CascadeFunction"/> node when autograd records.
/// </summary>
internal sealed class FusedCascadeKernel : ICascadeKernel
{
    private readonly ICascadeLauncher _launcher;

    public FusedCascadeKernel(ICascadeLauncher launcher) => _launcher = launcher;

    /// <summary>
    /// Runs the cascade, or returns null for the reference path: a device the launcher does not take, a dtype other
    /// than float32 and bfloat16, more than <see cref="CascadeProblem.MaxSets"/> sets, an empty output, or tensors that
    /// disagree in device, dtype or shape.
    /// </summary>
    public Tensor? TryCombine(CascadeInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var host = inputs.HostOutput;
        var sets = inputs.Sets;
        var axis = inputs.NeuronAxis;
        var shape = host.shape;
        if (!_launcher.Supports(host.device) || host.dtype is not (ScalarType.Float32 or ScalarType.BFloat16)
            || sets is < 1 or > CascadeProblem.MaxSets || axis < 0 || axis >= shape.Length
            || !Enum.IsDefined(inputs.Activation) || host.numel() == 0 || shape[axis] > int.MaxValue)
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

        var outer = shape.Take(axis).Aggregate(1L, (a, b) => a * b);
        var inner = shape.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        var problem = new CascadeProblem(sets, host.dtype, inputs.Activation, outer, (int)neurons, inner, (int)host.device_index);

        // Views a single layout cannot describe (a grouped convolution's fused projection) are copied once.
        var layouts = pre.Select(p => StridedLayout.Of(p, axis)).ToList();
        var preLayout = layouts[0];
        if (preLayout is null || layouts.Any(l => l != preLayout))
        {
            pre = pre.Select(p => p.contiguous()).ToList();
            preLayout = StridedLayout.Contiguous(problem);
        }

        var hostLayout = StridedLayout.Of(host, axis);
        if (hostLayout is null)
        {
            host = host.contiguous();
            hostLayout = StridedLayout.Contiguous(problem);
        }

        var call = new CascadeCall(_launcher, problem, hostLayout.Value, preLayout.Value);
        if (is_grad_enabled())
        {
            return CascadeFunction.Apply(call, host, pre, u, v);
        }

        var contiguous = StridedLayout.Contiguous(problem);
        var inPlace = (inputs.MayOverwriteHostOutput || !ReferenceEquals(host, inputs.HostOutput)) && host.is_contiguous();
        var output = inPlace ? host : empty(shape, host.dtype, host.device);
        call.Forward(output, contiguous, host, pre, u, v);
        return output;
    }
}
