using System;
using System.Numerics;
using System.Threading.Tasks;
using static Dendritic.CpuCascadeLanes;

namespace Dendritic;

/// <summary>
/// The dendrite cascade's backward on the CPU in one vectorised pass, over contiguous float32 tensors of shape
/// [outer, neurons, inner] (<see cref="CpuCascadeShape"/>). Autograd's backward of the reference path runs about five
/// passes over the output per set product (a product, its per-neuron sum and the activation's derivative, each reading
/// and writing whole tensors); this reads the output gradient and the activations once and writes each pre-activation's
/// gradient once. The results differ from autograd's by float rounding: the order in which a gradient's terms are
/// added, and the per-neuron weight gradients' order of summation.
/// </summary>
internal static unsafe class CpuCascadeMath
{
    /// <summary>Rows summed in float before they are added to the double totals (Linear layers' weight gradients).</summary>
    private const int RowsPerFlush = 64;

    /// <summary>Below this many output elements per thread, handing work to another thread costs more than it saves.</summary>
    private const long MinElementsPerThread = 1L << 15;

    /// <summary>
    /// The gradients: dL/dp_k into <paramref name="gradPre"/> and Σ over outer and inner of dL/du_k and dL/dv_{k,i},
    /// packed like the weights, into <paramref name="gradPacked"/>.
    /// </summary>
    /// <param name="shape">The layout.</param>
    /// <param name="gradOutput">dL/dy, contiguous.</param>
    /// <param name="activations">a_0..a_{D-1}, contiguous.</param>
    /// <param name="packed">The per-neuron weights.</param>
    /// <param name="gradPre">dL/dp_k, contiguous, written.</param>
    /// <param name="gradPacked">dL/du and dL/dv, written (length <see cref="CpuCascadeShape.Parameters"/> x neurons).</param>
    /// <param name="threads">Threads to split the work over (at least 1).</param>
    public static void Backward(CpuCascadeShape shape, IntPtr gradOutput, IntPtr[] activations, float[] packed, IntPtr[] gradPre, float[] gradPacked, int threads)
    {
        switch (shape.Activation)
        {
            case DendriteActivation.Sigmoid: Backward<Sigmoid>(shape, gradOutput, activations, packed, gradPre, gradPacked, threads); break;
            case DendriteActivation.Tanh: Backward<Tanh>(shape, gradOutput, activations, packed, gradPre, gradPacked, threads); break;
            default: Backward<HardSigmoid>(shape, gradOutput, activations, packed, gradPre, gradPacked, threads); break;
        }
    }

    private static void Backward<TAct>(CpuCascadeShape shape, IntPtr gradOutput, IntPtr[] activations, float[] packed, IntPtr[] gradPre, float[] gradPacked, int threads)
        where TAct : struct, IActivation
    {
        var size = shape.Parameters * shape.Neurons;
        var chunks = Chunks(shape, threads);
        // Each chunk sums into its own array and the arrays are added in chunk order: the gradients do not depend on
        // which thread finishes first (they do depend on the thread count, and on the vector width, Vector<float>.Count,
        // whose lanes are summed in float32 before the chunk's float64 sum, as libtorch's own reductions depend on both).
        var partials = new double[chunks][];
        Split(shape, chunks, (chunk, first, end) =>
        {
            float** a = stackalloc float*[CpuCascadeShape.MaxSets];
            float** gz = stackalloc float*[CpuCascadeShape.MaxSets];
            float* block = stackalloc float[shape.Parameters];
            var lanes = stackalloc Vector<float>[shape.Parameters];
            var sums = stackalloc float[shape.Parameters];
            var partial = partials[chunk] = new double[size];
            var rows = new float[shape.NeuronsLast ? size : 0];
            fixed (float* weights = packed)
            fixed (float* rowSums = rows)
            {
                var neurons = shape.Neurons;
                var pending = 0;
                for (var unit = first; unit < end; unit++)
                {
                    var length = shape.NeuronsLast ? neurons : shape.Inner;
                    var offset = unit * length;
                    for (var k = 0; k < shape.Sets; k++)
                    {
                        a[k] = (float*)activations[k] + offset;
                        gz[k] = (float*)gradPre[k] + offset;
                    }

                    var g = (float*)gradOutput + offset;
                    if (shape.NeuronsLast)
                    {
                        BackwardRun(default(TAct), new AlongRow(weights, neurons), shape, g, a, gz, length, new RowSums(rowSums, neurons));
                        if (++pending == RowsPerFlush || unit == end - 1)
                        {
                            for (var e = 0; e < size; e++)
                            {
                                partial[e] += rows[e];
                            }

                            Array.Clear(rows);
                            pending = 0;
                        }
                    }
                    else
                    {
                        var n = (int)(unit % neurons);
                        Gather(weights, shape, n, block);
                        BackwardRun(default(TAct), new PerBlock(block), shape, g, a, gz, length, new BlockSums(lanes, sums, shape.Parameters));
                        for (var r = 0; r < shape.Parameters; r++)
                        {
                            partial[((long)r * neurons) + n] += sums[r];
                        }
                    }
                }
            }
        });

        for (var e = 0; e < size; e++)
        {
            var total = 0.0;
            foreach (var partial in partials)
            {
                total += partial[e];
            }

            gradPacked[e] = (float)total;
        }
    }

    private static void BackwardRun<TAct, TCoef, TSums>(TAct f, TCoef c, CpuCascadeShape shape, float* g, float** a, float** gz, long length, TSums sums)
        where TAct : struct, IActivation
        where TCoef : struct, ICoefficients
        where TSums : struct, ISums
    {
        var sets = shape.Sets;
        var av = stackalloc Vector<float>[CpuCascadeShape.MaxSets];
        var dz = stackalloc Vector<float>[CpuCascadeShape.MaxSets];
        var width = Vector<float>.Count;
        long i = 0;
        for (; i <= length - width; i += width)
        {
            var grad = Vector.Load(g + i);
            for (var k = 0; k < sets; k++)
            {
                av[k] = Vector.Load(a[k] + i);
            }

            // Last set first: dL/da_k needs dL/dz_j of every later set j that reads a_k through v_{j,k}.
            for (var k = sets - 1; k >= 0; k--)
            {
                var delta = grad * c.Vector(CpuCascadeShape.U(k), i);
                for (var j = k + 1; j < sets; j++)
                {
                    delta += dz[j] * c.Vector(shape.V(j, k), i);
                }

                dz[k] = delta * f.Slope(av[k]);
                dz[k].Store(gz[k] + i);
                sums.Add(CpuCascadeShape.U(k), i, grad * av[k]);
                for (var j = 0; j < k; j++)
                {
                    sums.Add(shape.V(k, j), i, dz[k] * av[j]);
                }
            }
        }

        var s = stackalloc float[CpuCascadeShape.MaxSets];
        var ds = stackalloc float[CpuCascadeShape.MaxSets];
        for (; i < length; i++)
        {
            var grad = g[i];
            for (var k = 0; k < sets; k++)
            {
                s[k] = a[k][i];
            }

            for (var k = sets - 1; k >= 0; k--)
            {
                var delta = grad * c.Scalar(CpuCascadeShape.U(k), i);
                for (var j = k + 1; j < sets; j++)
                {
                    delta += ds[j] * c.Scalar(shape.V(j, k), i);
                }

                ds[k] = delta * f.Slope(s[k]);
                gz[k][i] = ds[k];
                sums.Add(CpuCascadeShape.U(k), i, grad * s[k]);
                for (var j = 0; j < k; j++)
                {
                    sums.Add(shape.V(k, j), i, ds[k] * s[j]);
                }
            }
        }

        sums.Finish();
    }

    /// <summary>Every packed row's weight for neuron <paramref name="neuron"/>.</summary>
    private static void Gather(float* packed, CpuCascadeShape shape, int neuron, float* block)
    {
        for (var r = 0; r < shape.Parameters; r++)
        {
            block[r] = packed[((long)r * shape.Neurons) + neuron];
        }
    }

    /// <summary>How many threads share the work: at most <paramref name="threads"/>, fewer when there is too little of it.</summary>
    private static int Chunks(CpuCascadeShape shape, int threads) =>
        (int)Math.Clamp(shape.Elements / MinElementsPerThread, 1, Math.Max(1, Math.Min(threads, shape.Units)));

    /// <summary>
    /// Runs <paramref name="body"/> (chunk, first, end) over <paramref name="chunks"/> contiguous [first, end) ranges of
    /// the shape's units, one per thread, the calling thread taking one of them.
    /// </summary>
    private static void Split(CpuCascadeShape shape, int chunks, Action<int, long, long> body)
    {
        var units = shape.Units;
        if (chunks == 1)
        {
            body(0, 0, units);
            return;
        }

        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, c => body(c, units * c / chunks, units * (c + 1) / chunks));
    }
}
