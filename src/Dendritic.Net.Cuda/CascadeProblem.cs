using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;

namespace Dendritic.Cuda;

/// <summary>
/// The shape of one cascade call as the kernels see it: <see cref="Outer"/> rows of <see cref="Neurons"/> neurons of
/// <see cref="Inner"/> contiguous positions each (Linear: [rows, out, 1]; convolutions: [batch, channels, positions]),
/// <see cref="Sets"/> dendrite sets, storage dtype and activation. Problems of one class (sets, dtype, activation, bias
/// gradients) share one compiled module. <see cref="Pairs"/>: the "rows" kernels take two adjacent neurons a thread,
/// with one access of two elements (see <see cref="TakesPairs"/>). <see cref="BiasGradients"/>: backward also sums the
/// output's and each pre-activation's gradient per neuron (the host's and the sets' bias gradients, which the layer then
/// leaves out of autograd's products).
/// </summary>
internal sealed record CascadeProblem(int Sets, torch.ScalarType DType, DendriteActivation Activation, long Outer, int Neurons, long Inner, int DeviceIndex, bool Pairs = false, bool BiasGradients = false)
{
    /// <summary>Most sets one compiled kernel handles (the pointer tables of cascade.cu); more sets take the reference path.</summary>
    public const int MaxSets = 8;

    /// <summary>Per-neuron gradient rows: one per u_k and one per v_k[i], i &lt; k; with <see cref="BiasGradients"/>, one for the host's bias and one per set's.</summary>
    public int GradientRows => HostBiasRow + (BiasGradients ? 1 + Sets : 0);

    /// <summary>The row of the host bias's gradient (with <see cref="BiasGradients"/>); set k's is <c>HostBiasRow + 1 + k</c>.</summary>
    public int HostBiasRow => Sets + (Sets * (Sets - 1) / 2);

    /// <summary>Elements per set (rows x neurons x positions).</summary>
    public long Elements => Outer * Neurons * Inner;

    /// <summary>Whether the "rows" mapping applies (a thread per neuron): no inner positions, the Linear layout.</summary>
    public bool ByRows => Inner == 1;

    /// <summary>First row of v_k's gradient in the gradient rows (v_k[i] is row <c>VRow(k) + i</c>).</summary>
    public int VRow(int k) => Sets + (k * (k - 1) / 2);

    /// <summary>
    /// Whether the "rows" kernels may move two neurons per access: the Linear layout, an even neuron count, every
    /// tensor with neurons adjacent (stride 1) and an even row stride, and every address aligned to two elements.
    /// (Tensors the kernels allocate themselves always are; the incoming gradient is checked again in backward.)
    /// </summary>
    public static bool TakesPairs(long inner, long neurons, long elementSize, IEnumerable<StridedLayout> layouts, IEnumerable<IntPtr> addresses) =>
        inner == 1 && neurons % 2 == 0
        && layouts.All(l => l.Neuron == 1 && l.Outer % 2 == 0)
        && addresses.All(a => IsPairAligned(a, elementSize));

    /// <summary>Whether <paramref name="address"/> is aligned to two elements of <paramref name="elementSize"/> bytes.</summary>
    public static bool IsPairAligned(IntPtr address, long elementSize) => address.ToInt64() % (2 * elementSize) == 0;

    /// <summary>The NVRTC defines that specialise cascade.cu for this problem.</summary>
    public string[] Defines() => new[]
    {
        FormattableString.Invariant($"-DCASCADE_D={Sets}"),
        FormattableString.Invariant($"-DCASCADE_BF16={(DType == torch.ScalarType.BFloat16 ? 1 : 0)}"),
        FormattableString.Invariant($"-DCASCADE_ACT={(int)Activation}"),
        FormattableString.Invariant($"-DCASCADE_BIAS_GRAD={(BiasGradients ? 1 : 0)}"),
    };
}
