using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Computes a host-shaped projection (the host's own Linear or convolution) of one input for several weight sets at
/// once: one GEMM or one convolution over the concatenated weights, then views split per set. This is what makes a
/// layer with D dendrite sets cost about (1 + D) host calls and not (1 + D) module calls plus their overheads.
/// </summary>
internal static class HostProjection
{
    /// <summary>The projection of <paramref name="input"/> by one weight set, exactly as the host layer computes it.</summary>
    public static Tensor Single(HostLayerSpec spec, Tensor input, Tensor weight, Tensor? bias)
    {
        switch (spec.Kind)
        {
            case HostKind.Linear:
                return nn.functional.linear(input, weight, bias);
            default:
                var (padded, padding) = PadInput(spec, input);
                using (ReferenceEquals(padded, input) ? null : padded)
                {
                    return Convolve(spec, padded, weight, bias, padding);
                }
        }
    }

    /// <summary>
    /// Which path computes the pre-activations of <paramref name="sets"/> sets of a <paramref name="kind"/> host for a
    /// requested <paramref name="projection"/> on <paramref name="device"/>, in training or (<paramref name="inference"/>)
    /// not: Separate, Fused or (only when asked for) FusedWithHost.
    /// </summary>
    /// <remarks>
    /// Auto takes separate calls on the CPU: there one call with D x the output channels was slower than D host-sized
    /// calls (issue #19, 2 cores): its output and its gradient are D times larger (beyond glibc's 32 MiB mmap limit
    /// they are fresh, page-faulting mappings on every step), and the concatenated weights, the split and their
    /// backward add copies. On CUDA the fused call saves launches and fills the GPU better at small shapes, except in a
    /// Linear layer's inference: there the fused call's only extra work is the concatenation of every set's weights,
    /// a copy of D weight matrices on each call, which for a Linear layer (whose weights are a sizeable fraction of its
    /// activations: a quarter to a half in the measured shapes, so D of them match them) costs more than the launches
    /// it saves; the rule looks at the layer kind only, not the shape, and was measured at batches of 2 to 4 times the
    /// features; separate calls were as fast or faster (within 1.1 %) in 15 of 16 Linear
    /// inference cells on the H200 (docs/benchmarks-cuda.md, "Inference: separate projections for Linear layers").
    /// </remarks>
    public static DendriteProjection Resolve(DendriteProjection projection, Device device, int sets, HostKind kind, bool inference) => projection switch
    {
        DendriteProjection.FusedWithHost => projection,
        _ when sets <= 1 => DendriteProjection.Separate,
        DendriteProjection.Auto => device.type == DeviceType.CPU || (inference && kind == HostKind.Linear) ? DendriteProjection.Separate : DendriteProjection.Fused,
        _ => projection,
    };

    /// <summary>
    /// The projections of <paramref name="input"/> by each of <paramref name="weights"/>, one host-shaped call per
    /// set (padding the input once for all). Each result is a fresh contiguous tensor the caller alone holds.
    /// </summary>
    public static Tensor[] Separate(HostLayerSpec spec, Tensor input, IReadOnlyList<Tensor> weights, IReadOnlyList<Tensor?> biases)
    {
        var result = new Tensor[weights.Count];
        if (spec.Kind == HostKind.Linear)
        {
            for (var s = 0; s < result.Length; s++)
            {
                result[s] = nn.functional.linear(input, weights[s], biases[s]);
            }

            return result;
        }

        var (padded, padding) = PadInput(spec, input);
        using (ReferenceEquals(padded, input) ? null : padded)
        {
            for (var s = 0; s < result.Length; s++)
            {
                result[s] = Convolve(spec, padded, weights[s], biases[s], padding);
            }
        }

        return result;
    }

    /// <summary>
    /// The projections of <paramref name="input"/> by each of <paramref name="weights"/> (all shaped like the host's
    /// weight), computed in one operation. Element s of the result is the output set s would give alone.
    /// </summary>
    public static Tensor[] Fused(HostLayerSpec spec, Tensor input, IReadOnlyList<Tensor> weights, IReadOnlyList<Tensor?> biases) =>
        FusedWithWhole(spec, input, weights, biases).Parts;

    /// <summary>
    /// As <see cref="Fused"/>, and also the one output the parts are consecutive chunks of along the neuron axis
    /// (null for a single set, whose part is the whole output, and for grouped convolutions, whose sets interleave).
    /// </summary>
    public static (Tensor? Whole, Tensor[] Parts) FusedWithWhole(HostLayerSpec spec, Tensor input, IReadOnlyList<Tensor> weights, IReadOnlyList<Tensor?> biases)
    {
        var sets = weights.Count;
        if (sets == 1)
        {
            return (null, new[] { Single(spec, input, weights[0], biases[0]) });
        }

        if (spec.Kind == HostKind.Linear)
        {
            var output = nn.functional.linear(input, cat(weights.ToArray(), 0), spec.HasBias ? cat(biases.Select(b => b!).ToArray(), 0) : null);
            return (output, output.chunk(sets, -1));
        }

        var (padded, padding) = PadInput(spec, input);
        if (spec.Groups == 1)
        {
            var output = Convolve(spec, padded, cat(weights.ToArray(), 0), spec.HasBias ? cat(biases.Select(b => b!).ToArray(), 0) : null, padding);
            return (output, output.chunk(sets, output.dim() - 1 - spec.SpatialDims));
        }

        // Grouped convolutions read input group i into output block i, so the sets are interleaved per group:
        // [group, set, channel-in-group] keeps every set's channels inside the group that feeds them.
        var groups = spec.Groups;
        var perGroup = spec.OutFeatures / groups;
        var weight = stack(weights.ToArray(), 0).unflatten(1, new[] { groups, perGroup }).transpose(0, 1)
            .reshape(new[] { groups * sets * perGroup }.Concat(weights[0].shape.Skip(1)).ToArray());
        Tensor? bias = spec.HasBias
            ? stack(biases.Select(b => b!).ToArray(), 0).view(sets, groups, perGroup).transpose(0, 1).reshape(-1)
            : null;
        var grouped = Convolve(spec, padded, weight, bias, padding);
        var axis = grouped.dim() - 1 - spec.SpatialDims;
        var split = grouped.unflatten(axis, new[] { groups, sets, perGroup });
        var result = new Tensor[sets];
        for (var s = 0; s < sets; s++)
        {
            result[s] = split.select(axis + 1, s).flatten(axis, axis + 1);
        }

        return (null, result);
    }

    private static (Tensor Input, long[] Padding) PadInput(HostLayerSpec spec, Tensor input)
    {
        if (spec.PaddingMode == PaddingModes.Zeros || spec.Padding.All(p => p == 0))
        {
            return (input, spec.Padding.ToArray());
        }

        // Non-zero padding modes pad explicitly, as the host module does; F.pad lists the last dimension first.
        var pads = spec.Padding.Reverse().SelectMany(p => new[] { p, p }).ToArray();
        return (nn.functional.pad(input, pads, spec.PaddingMode), new long[spec.Padding.Count]);
    }

    private static Tensor Convolve(HostLayerSpec spec, Tensor input, Tensor weight, Tensor? bias, long[] padding) => spec.Kind switch
    {
        HostKind.Conv1d => nn.functional.conv1d(input, weight, bias, spec.Stride[0], padding[0], spec.Dilation[0], spec.Groups),
        HostKind.Conv2d => nn.functional.conv2d(input, weight, bias, spec.Stride.ToArray(), padding, spec.Dilation.ToArray(), spec.Groups),
        HostKind.Conv3d => nn.functional.conv3d(input, weight, bias, spec.Stride.ToArray(), padding, spec.Dilation.ToArray(), spec.Groups),
        _ => throw new InvalidOperationException($"Unexpected host kind {spec.Kind}."),
    };
}
