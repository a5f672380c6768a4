using System;
using TorchSharp;

namespace Dendritic.Cuda;

/// <summary>
/// The shape of one cascade call as the kernels see it: <see cref="Outer"/> rows of <see cref="Neurons"/> neurons of
/// <see cref="Inner"/> contiguous positions each (Linear: [rows, out, 1]; convolutions: [batch, channels, positions]),
/// <see cref="Sets"/> dendrite sets, storage dtype and activation. Equal problems share one compiled module.
/// </summary>
internal sealed record CascadeProblem(int Sets, torch.ScalarType DType, DendriteActivation Activation, long Outer, int Neurons, long Inner, int DeviceIndex)
{
    /// <summary>Most sets one compiled kernel handles (the pointer tables of cascade.cu); more sets take the reference path.</summary>
    public const int MaxSets = 8;

    /// <summary>Per-neuron gradient rows: one per u_k and one per v_k[i], i &lt; k.</summary>
    public int GradientRows => Sets + (Sets * (Sets - 1) / 2);

    /// <summary>Elements per set (rows x neurons x positions).</summary>
    public long Elements => Outer * Neurons * Inner;

    /// <summary>Whether the "rows" mapping applies (a thread per neuron): no inner positions, the Linear layout.</summary>
    public bool ByRows => Inner == 1;

    /// <summary>First row of v_k's gradient in the gradient rows (v_k[i] is row <c>VRow(k) + i</c>).</summary>
    public int VRow(int k) => Sets + (k * (k - 1) / 2);

    /// <summary>The NVRTC defines that specialise cascade.cu for this problem.</summary>
    public string[] Defines() => new[]
    {
        FormattableString.Invariant($"-DCASCADE_D={Sets}"),
        FormattableString.Invariant($"-DCASCADE_BF16={(DType == torch.ScalarType.BFloat16 ? 1 : 0)}"),
        FormattableString.Invariant($"-DCASCADE_ACT={(int)Activation}"),
    };
}
