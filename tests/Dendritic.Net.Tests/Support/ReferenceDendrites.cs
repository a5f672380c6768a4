using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Support;

/// <summary>
/// The plain formulation of a dendritic layer, one host-module call per dendrite set, written independently of the
/// library's fused path so that tests can compare the two.
/// </summary>
internal static class ReferenceDendrites
{
    public static Tensor Forward(DendriteLayer layer, Tensor input)
    {
        var spec = layer.Spec;
        var host = Project(spec, input, layer.Weight, layer.Bias);
        var activations = new List<Tensor>();
        var output = host;
        foreach (var set in layer.Branch.Sets)
        {
            var pre = Project(spec, input, set.Weight, set.Bias);
            for (var i = 0; i < set.Index; i++)
            {
                pre = pre + PerNeuron(spec, set.CascadeWeights![i], pre.dim()) * activations[i];
            }

            var activation = layer.Branch.Options.Activation switch
            {
                DendriteActivation.Tanh => pre.tanh(),
                DendriteActivation.HardSigmoid => nn.functional.hardsigmoid(pre),
                _ => pre.sigmoid(),
            };
            activations.Add(activation);
            output = output + PerNeuron(spec, set.OutputScale, pre.dim()) * activation;
        }

        return output;
    }

    private static Tensor PerNeuron(HostLayerSpec spec, Tensor vector, long outputRank)
    {
        if (spec.Kind == HostKind.Linear)
        {
            return vector;
        }

        var shape = new long[1 + spec.SpatialDims];
        for (var i = 0; i < shape.Length; i++)
        {
            shape[i] = 1;
        }

        shape[0] = spec.OutFeatures;
        return vector.reshape(shape);
    }

    private static Tensor Project(HostLayerSpec spec, Tensor input, Tensor weight, Tensor? bias)
    {
        if (spec.PaddingMode != PaddingModes.Zeros)
        {
            var pads = new List<long>();
            for (var d = spec.Padding.Count - 1; d >= 0; d--)
            {
                pads.Add(spec.Padding[d]);
                pads.Add(spec.Padding[d]);
            }

            input = nn.functional.pad(input, pads.ToArray(), spec.PaddingMode);
            spec = spec with { Padding = new long[spec.Padding.Count], PaddingMode = PaddingModes.Zeros };
        }

        switch (spec.Kind)
        {
            case HostKind.Linear:
                return nn.functional.linear(input, weight, bias);
            case HostKind.Conv1d:
                return nn.functional.conv1d(input, weight, bias, spec.Stride[0], spec.Padding[0], spec.Dilation[0], spec.Groups);
            case HostKind.Conv2d:
                return nn.functional.conv2d(input, weight, bias, new[] { spec.Stride[0], spec.Stride[1] }, new[] { spec.Padding[0], spec.Padding[1] }, new[] { spec.Dilation[0], spec.Dilation[1] }, spec.Groups);
            default:
                return nn.functional.conv3d(input, weight, bias, new[] { spec.Stride[0], spec.Stride[1], spec.Stride[2] }, new[] { spec.Padding[0], spec.Padding[1], spec.Padding[2] }, new[] { spec.Dilation[0], spec.Dilation[1], spec.Dilation[2] }, spec.Groups);
        }
    }

    /// <summary>Gives every u and v a random non-zero value so that the cascade is really exercised.</summary>
    public static void Randomise(DendriteLayer layer, long seed)
    {
        using var generator = new Generator((ulong)seed);
        using (no_grad())
        {
            foreach (var set in layer.Branch.Sets)
            {
                set.OutputScale.copy_(randn(set.OutputScale.shape, generator: generator).to(set.OutputScale.dtype));
                set.CascadeWeights?.copy_(randn(set.CascadeWeights.shape, generator: generator).to(set.CascadeWeights.dtype));
            }
        }
    }
}
