using System;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// Issue 19: a dendrite layer written out with TorchSharp operations, as <c>probes/cascade_sequences.py</c> writes it
/// in PyTorch (host call, D separate dendrite modules, the sigmoid cascade with per-neuron u and v). "original" is the
/// op sequence of perforatedai 3.0.5's forward (out-of-place products and sums, u expanded to the output's shape),
/// "inplace" ours (in-place sigmoid and addcmul_). Timing the same sequence in both processes separates what the
/// process costs from what the operations cost. "cpucascade" (.NET only) hands the cascade to the library's CPU cascade
/// node at any D, which the layer itself does from two sets on: it measures that node where the layer declines it.
/// </summary>
internal sealed class ReplayedCascade : nn.Module<Tensor, Tensor>
{
    /// <summary>addcmul_'s value, made once as the layer does (Python's default argument costs nothing per call).</summary>
    private static readonly Scalar One = 1.0.ToScalar();

    private readonly nn.Module<Tensor, Tensor> host;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> dendrites;
    private readonly ParameterList u;
    private readonly ParameterList v;
    private readonly ReplayedSequence _sequence;
    private readonly long[] _neuronShape;

    public ReplayedCascade(LayerCase layerCase, int sets, ReplayedSequence sequence)
        : base(sequence.ToString())
    {
        host = layerCase.CreateHost();
        dendrites = nn.ModuleList(Enumerable.Range(0, sets).Select(_ => layerCase.CreateHost()).ToArray());
        var neurons = host switch
        {
            Linear linear => linear.out_features,
            Conv2d conv => conv.out_channels,
            _ => throw new ArgumentException("Linear or Conv2d hosts only.", nameof(layerCase)),
        };
        // As the Python probe: small random u and v, so that every product does real work.
        u = nn.ParameterList(Enumerable.Range(0, sets).Select(_ => new Parameter(randn(neurons) * 0.01)).ToArray());
        v = nn.ParameterList(Enumerable.Range(0, sets).Select(k => new Parameter(randn(Math.Max(k, 1), neurons) * 0.01)).ToArray());
        _sequence = sequence;
        _neuronShape = host is Linear ? new[] { neurons } : new[] { neurons, 1L, 1L };
        RegisterComponents();
    }

    /// <remarks>
    /// Each temporary is disposed as soon as the Python probe's reference count would drop it (autograd keeps what
    /// backward needs), so the two processes free memory at the same points.
    /// </remarks>
    public override Tensor forward(Tensor input)
    {
        var output = host.call(input);
        var pre = dendrites.Select(d => d.call(input)).ToArray();
        if (_sequence == ReplayedSequence.CpuCascade)
        {
            return CpuCascade(output, pre);
        }

        var activations = new Tensor[pre.Length];
        for (var k = 0; k < pre.Length; k++)
        {
            if (_sequence == ReplayedSequence.InPlace)
            {
                for (var i = 0; i < k; i++)
                {
                    using var vi = v[k][i];
                    using var view = vi.view(_neuronShape);
                    pre[k].addcmul_(view, activations[i], One);
                }

                activations[k] = pre[k].sigmoid_();
                using var uk = u[k].view(_neuronShape);
                output.addcmul_(uk, activations[k], One);
                continue;
            }

            var current = pre[k];
            for (var i = 0; i < k; i++)
            {
                using var vi = v[k][i];
                using var view = vi.view(_neuronShape);
                using var product = view * activations[i];
                var sum = current + product;
                current.Dispose();
                current = sum;
            }

            activations[k] = current.sigmoid();
            current.Dispose();
            using (var uk = u[k].view(_neuronShape))
            using (var expanded = uk.expand(output.shape))
            using (var contribution = activations[k] * expanded)
            {
                var next = output + contribution;
                output.Dispose();
                output = next;
            }
        }

        // In place, each activation is its pre-activation's own tensor; out of place, a new one. Either way it goes now.
        foreach (var a in activations)
        {
            a.Dispose();
        }

        return output;
    }

    private Tensor CpuCascade(Tensor output, Tensor[] pre)
    {
        // Both cases put the neurons on axis 1: Linear [batch, out], Conv2d [batch, out, h, w].
        var problem = CpuCascadeShape.For(output.shape, axis: 1, pre.Length, DendriteActivation.Sigmoid);
        var scales = Enumerable.Range(0, pre.Length).Select(k => (Tensor)u[k]).ToArray();
        var cascade = Enumerable.Range(0, pre.Length).Select(k => k == 0 ? null : (Tensor?)v[k]).ToArray();
        var result = CpuCascadeFunction.Apply(problem, output, pre, scales, cascade);
        if (!ReferenceEquals(result, output))
        {
            output.Dispose();
        }

        foreach (var p in pre)
        {
            p.Dispose();
        }

        return result;
    }
}
