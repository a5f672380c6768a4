using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Accumulates one layer's activation statistics on the activations' device while a monitor is attached to its
/// branch: no host read per step, one per <see cref="ActivationMonitor.Collect"/>. The branch calls
/// <see cref="Record"/> with every set's output a_k; nothing is attached (and nothing runs) when no monitor is on.
/// </summary>
internal sealed class ActivationTap : IDisposable
{
    private readonly Scalar _low;
    private readonly Scalar _high;
    private Tensor? _sumAbs;
    private Tensor? _saturated;
    private Tensor? _gradientNorms;

    public ActivationTap(DendriteActivation activation)
    {
        // The flat ends, where the slope is under 1% of its peak (hard sigmoid: zero); see LayerActivationStats.
        var (low, high) = activation switch
        {
            DendriteActivation.Tanh => (-0.98, 0.98),
            DendriteActivation.HardSigmoid => (0.0, 1.0),
            _ => (0.01, 0.99),
        };
        _low = low.ToScalar();
        _high = high.ToScalar();
    }

    /// <summary>Dendrite outputs recorded since the last reset.</summary>
    public long Count { get; private set; }

    /// <summary><see cref="RecordGradients"/> calls since the last reset.</summary>
    public int GradientSteps { get; private set; }

    /// <summary>Adds one set's outputs (any shape) to the sums; autograd does not see it.</summary>
    public void Record(Tensor activation)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = activation.detach();
        _sumAbs = Add(_sumAbs, a.abs().sum(ScalarType.Float64));
        _saturated = Add(_saturated, a.le(_low).logical_or_(a.ge(_high)).sum());
        Count += a.numel();
    }

    /// <summary>Adds the L2 norm of the gradients the given parameters hold now; parameters without one are skipped.</summary>
    public void RecordGradients(IEnumerable<Tensor> parameters)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var squares = parameters.Select(p => p.grad).OfType<Tensor>().Select(g => g.square().sum(ScalarType.Float64)).ToList();
        if (squares.Count == 0)
        {
            return;
        }

        _gradientNorms = Add(_gradientNorms, stack(squares).sum().sqrt());
        GradientSteps++;
    }

    /// <summary>[sum |a|, saturated count, sum of gradient norms, sum |u|] as one float64 vector on <paramref name="device"/>.</summary>
    public Tensor Sums(DendriteBranch branch, Device device)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor Zero() => zeros(1, ScalarType.Float64, device);
        Tensor On(Tensor? t) => t is null ? Zero() : t.to(ScalarType.Float64).to(device).reshape(1);
        var sumAbsU = branch.Count == 0 ? Zero() : On(cat(branch.Sets.Select(s => s.OutputScale.detach().flatten()).ToList()).abs().sum(ScalarType.Float64));
        return scope.MoveToOuter(cat(new[] { On(_sumAbs), On(_saturated), On(_gradientNorms), sumAbsU }));
    }

    /// <summary>Starts a new window.</summary>
    public void Reset()
    {
        Release();
        Count = 0;
        GradientSteps = 0;
    }

    public void Dispose()
    {
        Release();
        _low.Dispose();
        _high.Dispose();
    }

    // The sums live outside every dispose scope; a sum on another device (the model moved) follows the new value.
    private static Tensor Add(Tensor? sum, Tensor value)
    {
        if (sum is null || sum.device_type != value.device_type || sum.device_index != value.device_index)
        {
            sum?.Dispose();
            return value.clone().DetachFromDisposeScope();
        }

        return sum.add_(value, CachedScalars.One);
    }

    private void Release()
    {
        _sumAbs?.Dispose();
        _saturated?.Dispose();
        _gradientNorms?.Dispose();
        (_sumAbs, _saturated, _gradientNorms) = (null, null, null);
    }
}
