using System.Globalization;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>
/// Writes a module host (<see cref="HostKind.Module"/>): the host module and every dendrite set's copy of it, each by
/// the converter of its type and fed the same input, then the cascade per neuron of the output's neuron axis
/// (a_k = f(p_k + Σ v_{k,i} a_i), y = h + Σ u_k a_k), as the forward hook computes it. This works for every host
/// whose module returns one tensor and whose type the exporter writes (LayerNorm, Embedding, a user block that
/// implements <see cref="IOnnxExportable"/>) and for LSTM and GRU, whose sequence output carries the dendrites; other
/// hosts with an output processor (tuple-returning blocks) fail with an <see cref="OnnxExportException"/> that says so.
/// </summary>
internal static class ModuleHostExport
{
    public static string Emit(OnnxGraphBuilder builder, nn.Module host, WrappedLayer layer, string input)
    {
        var spec = layer.Spec;
        if (host is not (nn.Module<Tensor, Tensor> or LSTM or GRU))
        {
            throw builder.Error(host, $"'{layer.Name}' carries dendrites as a module host ({spec.ModuleType}) whose result is not one tensor. ONNX export writes module hosts of LSTM and GRU (the sequence output, with its dendrites) and of modules that return one tensor and that it writes (LayerNorm, Embedding, your block implementing IOnnxExportable); other modules with an output processor are not exported. Unwrap that layer (or wrap without it) to export, or run the model in TorchSharp.");
        }

        var hostOutput = ModuleExport.Emit(builder, host, input, asModuleHost: true);
        var branch = layer.Branch;
        if (!layer.Enabled || branch.Count == 0)
        {
            // The hook returns the host's output unchanged, and the host's own run has given it its value.
            return hostOutput;
        }

        var preActivations = new string[branch.Count];
        for (var k = 0; k < branch.Count; k++)
        {
            var copy = branch.Sets[k].Module ?? throw builder.Error(host, $"dendrite set {k} of module host '{layer.Name}' holds no module copy.");
            preActivations[k] = AddCopy(builder, copy, input, k);
        }

        var neuronShape = NeuronShape(builder, host, layer, builder.Sample(hostOutput));

        // The host's and the copies' own runs have given their outputs their values: the cascade is computed once, from
        // those, by the hook's own computation, and its nodes are not computed on the sample as well. Where one of
        // them is unknown, the nodes are written as any others, which records why the output is unknown.
        var parts = PartSamples(builder, hostOutput, preActivations);
        var output = builder.WithoutNodeSamples(parts is not null, () => DendriteExport.Cascade(builder, host, branch, hostOutput, preActivations, neuronShape));
        if (parts is not null)
        {
            // Combine's intermediate values die here; SetSample keeps a handle of the builder's own on the result.
            using var scope = torch.NewDisposeScope();
            builder.SetSample(output, branch.Combine(parts[0], parts[1..]));
        }

        return output;
    }

    /// <summary>The copy of set <paramref name="index"/>, named <c>{host path}.dendrite{index}</c> in the graph.</summary>
    private static string AddCopy(OnnxGraphBuilder builder, nn.Module copy, string input, int index)
    {
        // Written through AddModule for its name scope; a copy carries no hook, so the ordinary checks apply to it.
        return builder.AddModule(copy, input, "dendrite" + index.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>[out] followed by a 1 for every axis after the neuron axis, as the hook broadcasts u and v.</summary>
    private static long[] NeuronShape(OnnxGraphBuilder builder, nn.Module host, WrappedLayer layer, Tensor? hostSample)
    {
        var spec = layer.Spec;
        if (spec.NeuronAxis == -1)
        {
            return new[] { spec.OutFeatures };
        }

        var rank = (int)(hostSample ?? throw builder.Error(host, $"the module host's neuron axis is {spec.NeuronAxis}, and placing it needs the output's rank, which is unknown here (its module was written by an IOnnxExportable with operators the exporter cannot evaluate).")).dim();
        var axis = spec.NeuronAxisIndex(rank) ?? throw builder.Error(host, $"the module host's output has {rank} dimensions, and no axis {spec.NeuronAxis} to hold its neurons.");
        var shape = Enumerable.Repeat(1L, rank - axis).ToArray();
        shape[0] = spec.OutFeatures;
        return shape;
    }

    /// <summary>The host's output value, then each copy's pre-activation, on the sample; null when any of them is unknown.</summary>
    private static Tensor[]? PartSamples(OnnxGraphBuilder builder, string hostOutput, string[] preActivations)
    {
        var parts = new Tensor[1 + preActivations.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (builder.Sample(i == 0 ? hostOutput : preActivations[i - 1]) is not { } part)
            {
                return null;
            }

            parts[i] = part;
        }

        return parts;
    }
}
