using System.Numerics;

namespace Dendritic;

/// <summary>
/// The per-element pieces of the CPU cascade's backward as struct strategies, so that the JIT compiles one loop per
/// activation and layout with no branch per element: the nonlinearity's derivative (from its output), where a
/// per-neuron weight comes from (a vector along the row when the neurons are the last axis, one broadcast value per
/// (outer, neuron) block otherwise) and where the weight gradients' terms are summed.
/// </summary>
internal static unsafe class CpuCascadeLanes
{
    /// <summary>f' expressed through a = f(z), in vector and scalar form (the scalar form serves a row's tail).</summary>
    public interface IActivation
    {
        /// <summary>f'(z) from a = f(z).</summary>
        Vector<float> Slope(Vector<float> a);

        float Slope(float a);
    }

    /// <summary>Where the per-neuron weights of a run of elements come from.</summary>
    public interface ICoefficients
    {
        /// <summary>Packed row <paramref name="row"/>'s weights for the <see cref="Vector{T}.Count"/> elements from <paramref name="i"/>.</summary>
        Vector<float> Vector(int row, long i);

        float Scalar(int row, long i);
    }

    /// <summary>1 / (1 + e^-z); f' = a (1 - a).</summary>
    public readonly struct Sigmoid : IActivation
    {
        public Vector<float> Slope(Vector<float> a) => a * (Vector<float>.One - a);

        public float Slope(float a) => a * (1f - a);
    }

    /// <summary>tanh z; f' = 1 - a².</summary>
    public readonly struct Tanh : IActivation
    {
        public Vector<float> Slope(Vector<float> a) => Vector<float>.One - (a * a);

        public float Slope(float a) => 1f - (a * a);
    }

    /// <summary>clamp(z / 6 + 1/2, 0, 1); f' = 1/6 where 0 &lt; a &lt; 1 (that is -3 &lt; z &lt; 3, as libtorch's backward), else 0.</summary>
    public readonly struct HardSigmoid : IActivation
    {
        private static readonly Vector<float> Sixth = new(1f / 6f);

        public Vector<float> Slope(Vector<float> a)
        {
            var inside = System.Numerics.Vector.GreaterThan(a, Vector<float>.Zero) & System.Numerics.Vector.LessThan(a, Vector<float>.One);
            return System.Numerics.Vector.ConditionalSelect(inside, Sixth, Vector<float>.Zero);
        }

        public float Slope(float a) => a > 0f && a < 1f ? 1f / 6f : 0f;
    }

    /// <summary>Neurons along the row: row r of the packed weights, element i of it.</summary>
    public readonly struct AlongRow : ICoefficients
    {
        private readonly float* _packed;
        private readonly int _neurons;

        public AlongRow(float* packed, int neurons)
        {
            _packed = packed;
            _neurons = neurons;
        }

        public Vector<float> Vector(int row, long i) => System.Numerics.Vector.Load(_packed + ((long)row * _neurons) + i);

        public float Scalar(int row, long i) => _packed[((long)row * _neurons) + i];
    }

    /// <summary>One neuron for the whole run: each packed row's value for it, gathered once per block.</summary>
    public readonly struct PerBlock : ICoefficients
    {
        private readonly float* _values;

        public PerBlock(float* values) => _values = values;

        public Vector<float> Vector(int row, long i) => new(_values[row]);

        public float Scalar(int row, long i) => _values[row];
    }

    /// <summary>Where a backward run's weight-gradient terms go.</summary>
    public interface ISums
    {
        void Add(int row, long i, Vector<float> value);

        void Add(int row, long i, float value);

        /// <summary>Called once at the end of a run.</summary>
        void Finish();
    }

    /// <summary>Neurons along the row: element i of packed row r's running sums (one per neuron), summed in place.</summary>
    public readonly struct RowSums : ISums
    {
        private readonly float* _sums;
        private readonly int _neurons;

        public RowSums(float* sums, int neurons)
        {
            _sums = sums;
            _neurons = neurons;
        }

        public void Add(int row, long i, Vector<float> value)
        {
            var at = _sums + ((long)row * _neurons) + i;
            (System.Numerics.Vector.Load(at) + value).Store(at);
        }

        public void Add(int row, long i, float value) => _sums[((long)row * _neurons) + i] += value;

        public void Finish()
        {
        }
    }

    /// <summary>
    /// One neuron per run: terms summed per lane while the run lasts and across lanes at its end, into one value per
    /// packed row (<c>sums</c>, which the run starts from zero).
    /// </summary>
    public readonly struct BlockSums : ISums
    {
        private readonly Vector<float>* _lanes;
        private readonly float* _sums;
        private readonly int _rows;

        public BlockSums(Vector<float>* lanes, float* sums, int rows)
        {
            _lanes = lanes;
            _sums = sums;
            _rows = rows;
            for (var r = 0; r < rows; r++)
            {
                lanes[r] = Vector<float>.Zero;
                sums[r] = 0f;
            }
        }

        public void Add(int row, long i, Vector<float> value) => _lanes[row] += value;

        public void Add(int row, long i, float value) => _sums[row] += value;

        public void Finish()
        {
            for (var r = 0; r < _rows; r++)
            {
                _sums[r] += System.Numerics.Vector.Sum(_lanes[r]);
            }
        }
    }
}
