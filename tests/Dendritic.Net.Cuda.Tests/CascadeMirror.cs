using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Cuda.Tests;

/// <summary>
/// cascade.cu in C#, loop for loop, on CPU tensor memory: the same grid mappings ("rows", a neuron a thread, and
/// "positions"; the rows kernels' two-neurons-a-thread form computes the same values in the same order), the same
/// per-element arithmetic (float32, fused multiply-adds, the same order), the same bfloat16 rounding, partial sums
/// per slice and the in-order reduction. Only the block sum of the "positions" backward adds its threads in thread
/// order where the GPU uses warp shuffles (same terms, another order). Small blocks and several slices make every
/// branch of the mappings run on small test shapes.
/// </summary>
internal sealed unsafe class CascadeMirror : ICascadeLauncher
{
    private readonly int _rowsBlock;
    private readonly int _positionsBlock;
    private readonly int _slices;

    public CascadeMirror(int rowsBlock = 4, int positionsBlock = 8, int slices = 3)
    {
        _rowsBlock = rowsBlock;
        _positionsBlock = positionsBlock;
        _slices = slices;
    }

    /// <summary>Launches, as the GPU launcher counts them.</summary>
    public int Launches { get; private set; }

    /// <summary>The layout the last backward wrote the pre-activations' gradients in; null before any backward.</summary>
    public StridedLayout? LastGradPreLayout { get; private set; }

    /// <summary>The last backward's problem and the address of the incoming gradient it was handed.</summary>
    public (CascadeProblem Problem, IntPtr Grad)? LastBackward { get; private set; }

    public bool Supports(Device device) => device.type == DeviceType.CPU;

    public int Slices(CascadeProblem problem) => problem.ByRows
        ? (int)Math.Clamp(_slices, 1, problem.Outer)
        : (int)Math.Clamp(_slices, 1, (problem.Outer * problem.Inner + _positionsBlock - 1) / _positionsBlock);

    public void Forward(CascadeForwardLaunch launch)
    {
        Launches++;
        var p = launch.Problem;
        var bf16 = p.DType == ScalarType.BFloat16;
        var gridY = Slices(p);
        foreach (var (n, o, q) in Elements(p, gridY, out _))
        {
            Weights(launch.U, launch.V, p, n, bf16, out var u, out var v);
            var y = Load(launch.Host, (o * launch.HostLayout.Outer) + (n * launch.HostLayout.Neuron) + q, bf16);
            y = ForwardElement(launch.Pre, (o * launch.PreLayout.Outer) + (n * launch.PreLayout.Neuron) + q, u, v, y, p, bf16);
            Store(launch.Output, (o * launch.OutputLayout.Outer) + (n * launch.OutputLayout.Neuron) + q, y, bf16);
        }
    }

    public void Backward(CascadeBackwardLaunch launch)
    {
        Launches += 2;
        LastGradPreLayout = launch.GradPreLayout;
        LastBackward = (launch.Problem, launch.Grad);
        var p = launch.Problem;
        var bf16 = p.DType == ScalarType.BFloat16;
        var rows = p.GradientRows;
        var partial = (float*)launch.Partials;

        // Each (slice, neuron) accumulates its own sums, as one thread (rows) or one block (positions) does.
        var acc = new float[launch.Slices, p.Neurons, rows];
        foreach (var (n, o, q) in Elements(p, launch.Slices, out var sliceOf))
        {
            Weights(launch.U, launch.V, p, n, bf16, out var u, out var v);
            var goff = (((o * p.Neurons) + n) * p.Inner) + q;
            var g = Load(launch.Grad, goff, bf16);
            var a = new float[p.Sets];
            var d = new float[p.Sets];
            var ga = new float[p.Sets];
            for (var k = 0; k < p.Sets; k++)
            {
                var s = Load(launch.Pre[k], (o * launch.PreLayout.Outer) + (n * launch.PreLayout.Neuron) + q, bf16);
                for (var i = 0; i < k; i++)
                {
                    s = MathF.FusedMultiplyAdd(v[VI(k, i)], a[i], s);
                }

                a[k] = Act(s, p.Activation);
                d[k] = DAct(s, a[k], p.Activation);
                ga[k] = g * u[k];
            }

            var slice = sliceOf(n, o, q);
            for (var k = p.Sets - 1; k >= 0; k--)
            {
                var gs = ga[k] * d[k];
                Store(launch.GradPre[k], (o * launch.GradPreLayout.Outer) + (n * launch.GradPreLayout.Neuron) + q, gs, bf16);
                acc[slice, n, k] = MathF.FusedMultiplyAdd(g, a[k], acc[slice, n, k]);
                if (p.BiasGradients)
                {
                    acc[slice, n, p.HostBiasRow + 1 + k] += gs;
                }

                for (var i = 0; i < k; i++)
                {
                    acc[slice, n, p.Sets + VI(k, i)] = MathF.FusedMultiplyAdd(gs, a[i], acc[slice, n, p.Sets + VI(k, i)]);
                    ga[i] = MathF.FusedMultiplyAdd(gs, v[VI(k, i)], ga[i]);
                }
            }

            if (p.BiasGradients)
            {
                acc[slice, n, p.HostBiasRow] += g;
            }
        }

        for (var s = 0; s < launch.Slices; s++)
        {
            for (var r = 0; r < rows; r++)
            {
                for (var n = 0; n < p.Neurons; n++)
                {
                    partial[(((long)s * rows) + r) * p.Neurons + n] = acc[s, n, r];
                }
            }
        }

        // cascade_reduce: slices in order.
        var count = (long)rows * p.Neurons;
        for (long idx = 0; idx < count; idx++)
        {
            var x = 0f;
            for (var s = 0; s < launch.Slices; s++)
            {
                x += partial[(s * count) + idx];
            }

            Store(launch.GradParams, idx, x, bf16);
        }
    }

    /// <summary>
    /// The elements in the order the kernels' threads visit them, each as (neuron, row, position), and which slice
    /// (blockIdx.y) visits each.
    /// </summary>
    private System.Collections.Generic.IEnumerable<(int N, long O, long P)> Elements(CascadeProblem p, int gridY, out Func<int, long, long, int> sliceOf)
    {
        if (p.ByRows)
        {
            sliceOf = (_, o, _) => (int)(o % gridY);
            return Rows(p, gridY);
        }

        var block = _positionsBlock;
        sliceOf = (_, o, q) => (int)((((o * p.Inner) + q) / block) % gridY);
        return Positions(p, gridY, block);
    }

    private System.Collections.Generic.IEnumerable<(int N, long O, long P)> Rows(CascadeProblem p, int gridY)
    {
        var gridX = (p.Neurons + _rowsBlock - 1) / _rowsBlock;
        for (var by = 0; by < gridY; by++)
        {
            for (var bx = 0; bx < gridX; bx++)
            {
                for (var tx = 0; tx < _rowsBlock; tx++)
                {
                    var n = (bx * _rowsBlock) + tx;
                    if (n >= p.Neurons)
                    {
                        continue;
                    }

                    for (long o = by; o < p.Outer; o += gridY)
                    {
                        yield return (n, o, 0);
                    }
                }
            }
        }
    }

    private static System.Collections.Generic.IEnumerable<(int N, long O, long P)> Positions(CascadeProblem p, int gridY, int block)
    {
        var total = p.Outer * p.Inner;
        var step = (long)block * gridY;
        for (var by = 0; by < gridY; by++)
        {
            for (var n = 0; n < p.Neurons; n++)
            {
                for (var tx = 0; tx < block; tx++)
                {
                    var j = ((long)by * block) + tx;
                    var o = j / p.Inner;
                    var q = j - (o * p.Inner);
                    var so = step / p.Inner;
                    var sp = step - (so * p.Inner);
                    for (; j < total; j += step)
                    {
                        yield return (n, o, q);
                        o += so;
                        q += sp;
                        if (q >= p.Inner)
                        {
                            q -= p.Inner;
                            ++o;
                        }
                    }
                }
            }
        }
    }

    private static float ForwardElement(IntPtr[] pre, long off, float[] u, float[] v, float y, CascadeProblem p, bool bf16)
    {
        var a = new float[p.Sets];
        for (var k = 0; k < p.Sets; k++)
        {
            var s = Load(pre[k], off, bf16);
            for (var i = 0; i < k; i++)
            {
                s = MathF.FusedMultiplyAdd(v[VI(k, i)], a[i], s);
            }

            a[k] = Act(s, p.Activation);
            y = MathF.FusedMultiplyAdd(u[k], a[k], y);
        }

        return y;
    }

    private static void Weights(IntPtr[] uPointers, IntPtr[] vPointers, CascadeProblem p, int n, bool bf16, out float[] u, out float[] v)
    {
        u = new float[p.Sets];
        v = new float[Math.Max(1, p.Sets * (p.Sets - 1) / 2)];
        for (var k = 0; k < p.Sets; k++)
        {
            u[k] = Load(uPointers[k], n, bf16);
        }

        for (var k = 1; k < p.Sets; k++)
        {
            for (var i = 0; i < k; i++)
            {
                v[VI(k, i)] = Load(vPointers[k], ((long)i * p.Neurons) + n, bf16);
            }
        }
    }

    private static int VI(int k, int i) => (k * (k - 1) / 2) + i;

    private static float Act(float s, DendriteActivation activation) => activation switch
    {
        DendriteActivation.Sigmoid => 1f / (1f + MathF.Exp(-s)),
        DendriteActivation.Tanh => MathF.Tanh(s),
        _ => MathF.Min(MathF.Max((s / 6f) + 0.5f, 0f), 1f),
    };

    private static float DAct(float s, float a, DendriteActivation activation) => activation switch
    {
        DendriteActivation.Sigmoid => a * (1f - a),
        DendriteActivation.Tanh => 1f - (a * a),
        _ => s > -3f && s < 3f ? 1f / 6f : 0f,
    };

    private static float Load(IntPtr pointer, long index, bool bf16) => bf16
        ? BitConverter.UInt32BitsToSingle((uint)((ushort*)pointer)[index] << 16)
        : ((float*)pointer)[index];

    private static void Store(IntPtr pointer, long index, float value, bool bf16)
    {
        if (!bf16)
        {
            ((float*)pointer)[index] = value;
            return;
        }

        var bits = BitConverter.SingleToUInt32Bits(value);
        ((ushort*)pointer)[index] = (bits & 0x7fffffffu) > 0x7f800000u
            ? (ushort)((bits >> 16) | 0x40u)
            : (ushort)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
    }
}
