using System.Linq;

namespace Dendritic;

/// <summary>
/// The layout of one CPU cascade call: contiguous tensors of shape [outer, neurons, inner] (Linear: [rows, out], inner 1;
/// convolutions: [batch, out, spatial], with <see cref="TrailingAxes"/> spatial axes), <see cref="Sets"/> dendrite sets,
/// and where each per-neuron weight sits in the packed coefficient array (<see cref="Parameters"/> rows of
/// <see cref="Neurons"/> values: u_0..u_{D-1}, then v_{k,i} for k = 1..D-1, i &lt; k).
/// </summary>
internal readonly record struct CpuCascadeShape(int Sets, long Outer, int Neurons, long Inner, int TrailingAxes, DendriteActivation Activation)
{
    /// <summary>The most sets the CPU kernel takes (its per-element state lives on the stack); more run the reference path.</summary>
    public const int MaxSets = 8;

    /// <summary>The layout of an output of <paramref name="shape"/> whose neurons lie on <paramref name="axis"/>.</summary>
    /// <param name="shape">The output's shape.</param>
    /// <param name="axis">The neuron axis: everything before it is outer, everything after it inner.</param>
    /// <param name="sets">Dendrite sets.</param>
    /// <param name="activation">The nonlinearity.</param>
    public static CpuCascadeShape For(long[] shape, int axis, int sets, DendriteActivation activation) => new(
        sets,
        shape.Take(axis).Aggregate(1L, (a, b) => a * b),
        (int)shape[axis],
        shape.Skip(axis + 1).Aggregate(1L, (a, b) => a * b),
        shape.Length - axis - 1,
        activation);

    /// <summary>Rows of per-neuron weights: D output scales and D(D - 1)/2 cascade weights.</summary>
    public int Parameters => Sets + (Sets * (Sets - 1) / 2);

    /// <summary>Elements of the output.</summary>
    public long Elements => Outer * Neurons * Inner;

    /// <summary>Whether the neurons are the last axis (inner 1): the per-neuron weights then vary along each row.</summary>
    public bool NeuronsLast => Inner == 1;

    /// <summary>Work units split between threads: rows when the neurons are the last axis, else (outer, neuron) blocks.</summary>
    public long Units => NeuronsLast ? Outer : Outer * Neurons;

    /// <summary>Row of u_k in the packed coefficients.</summary>
    public static int U(int k) => k;

    /// <summary>Row of v_{k,i} (i &lt; k) in the packed coefficients.</summary>
    public int V(int k, int i) => Sets + (k * (k - 1) / 2) + i;
}
