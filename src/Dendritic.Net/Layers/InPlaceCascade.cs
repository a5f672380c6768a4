using System.Collections.Generic;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// The reference cascade's in-place operations, in their one order: per set k, p_k += v_{k,i} a_i for each earlier set
/// i, a_k = f(p_k) (in place for sigmoid and tanh), y += u_k a_k. <see cref="DendriteBranch.CombineInPlace"/> and the
/// CPU cascade's forward (<see cref="CpuCascadeFunction"/>) both run it, so their outputs agree bit for bit.
/// </summary>
internal static class InPlaceCascade
{
    /// <summary>Runs the cascade over <paramref name="pre"/>, adding each set's contribution to the host output.</summary>
    /// <param name="hostOutput">The host output; overwritten unless <paramref name="keepHostOutput"/>.</param>
    /// <param name="pre">The pre-activations, overwritten.</param>
    /// <param name="u">The output scales, one [out] vector per set.</param>
    /// <param name="v">The cascade weights, [k, out] for set k (null for set 0).</param>
    /// <param name="activation">The nonlinearity.</param>
    /// <param name="neuronShape">Shape that broadcasts a per-neuron vector against the output ([out] or [out, 1, ...]).</param>
    /// <param name="keepHostOutput">Whether the first product writes a new tensor instead of the host output.</param>
    /// <param name="activations">Receives each set's activation; may be null.</param>
    /// <param name="tap">An activation monitor's accumulator, shown each activation; may be null.</param>
    /// <returns>The output: the host output itself, or a new tensor with <paramref name="keepHostOutput"/>.</returns>
    public static Tensor Run(
        Tensor hostOutput,
        IReadOnlyList<Tensor> pre,
        IReadOnlyList<Tensor> u,
        IReadOnlyList<Tensor?> v,
        DendriteActivation activation,
        long[] neuronShape,
        bool keepHostOutput = false,
        List<Tensor>? activations = null,
        ActivationTap? tap = null)
    {
        activations ??= new List<Tensor>(pre.Count);
        var output = hostOutput;
        for (var k = 0; k < pre.Count; k++)
        {
            var p = pre[k];
            for (var i = 0; i < k; i++)
            {
                p.addcmul_(PerNeuron(v[k]![i], neuronShape), activations[i], CachedScalars.One);
            }

            var a = activation switch
            {
                DendriteActivation.Sigmoid => p.sigmoid_(),
                DendriteActivation.Tanh => p.tanh_(),
                _ => nn.functional.hardsigmoid(p),
            };
            tap?.Record(a);
            activations.Add(a);
            output = keepHostOutput && k == 0
                ? hostOutput.addcmul(PerNeuron(u[k], neuronShape), a, CachedScalars.One)
                : output.addcmul_(PerNeuron(u[k], neuronShape), a, CachedScalars.One);
        }

        return output;
    }

    /// <summary>A per-neuron vector ([out]) shaped to broadcast against the output; as it is when the neurons are the last
    /// axis, which spares small, dispatch-bound steps a view and its autograd node (same values and gradients).</summary>
    public static Tensor PerNeuron(Tensor vector, long[] neuronShape) => neuronShape.Length == 1 ? vector : vector.view(neuronShape);
}
