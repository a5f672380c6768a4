using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>
/// Writes a <see cref="DendriteLayer"/> in its fused form: the host and every dendrite set as ONE Gemm/MatMul or Conv
/// over their concatenated weights, a Split into the host output and one pre-activation per set, then the cascade as
/// elementwise nodes (a_k = f(p_k + Σ v_{k,i} a_i), y = h + Σ u_k a_k).
/// </summary>
internal static class DendriteExport
{
    public static string Emit(OnnxGraphBuilder builder, DendriteLayer layer, string input, Tensor? sample) =>
        Emit(builder, layer, layer.Branch, layer.Enabled, layer.Weight, layer.Bias, input, sample);

    /// <summary>
    /// The fused form for any host with dendrites: a <see cref="DendriteLayer"/>, or a host module whose dendrites a
    /// forward hook adds (a model wrapped in hook mode).
    /// </summary>
    public static string Emit(OnnxGraphBuilder builder, nn.Module layer, DendriteBranch branch, bool enabled, Tensor hostWeight, Tensor? hostBias, string input, Tensor? sample)
    {
        var spec = branch.Spec;
        var rank = sample?.dim() ?? (spec.Kind == HostKind.Linear ? 0 : spec.SpatialDims + 2);
        var sets = branch.Sets;
        if (!enabled || sets.Count == 0)
        {
            return ProjectionExport.Emit(builder, layer, spec, input, rank, hostWeight, hostBias);
        }

        var parts = 1 + sets.Count;
        var weights = new List<Tensor> { hostWeight };
        weights.AddRange(sets.Select(s => (Tensor)s.Weight));
        var biases = new List<Tensor?> { hostBias };
        biases.AddRange(sets.Select(s => (Tensor?)s.Bias));
        using var scope = torch.NewDisposeScope();
        var fused = FusedWeights(spec, weights, biases, out var fusedBias);
        var projected = ProjectionExport.Emit(builder, layer, spec, input, rank, fused, fusedBias);
        var axis = spec.Kind == HostKind.Linear ? -1L : 1L;
        if (spec.Kind != HostKind.Linear && spec.Groups > 1)
        {
            projected = builder.AddNode("Gather", new[] { projected, builder.AddInt64s("set_order", GroupedOrder(spec, parts)) }, new Dictionary<string, object> { ["axis"] = 1L });
        }

        var split = builder.AddNode("Split", new[] { projected }, parts, new Dictionary<string, object> { ["axis"] = axis });
        var neuronShape = spec.Kind == HostKind.Linear
            ? new[] { spec.OutFeatures }
            : new[] { spec.OutFeatures }.Concat(Enumerable.Repeat(1L, spec.SpatialDims)).ToArray();
        return Cascade(builder, layer, branch, split[0], split[1..], neuronShape);
    }

    /// <summary>
    /// The cascade as elementwise nodes: a_k = f(p_k + Σ v_{k,i} a_i), y = h + Σ u_k a_k, with u and v reshaped to
    /// <paramref name="neuronShape"/> so they broadcast along the output's neuron axis.
    /// </summary>
    /// <param name="builder">The graph.</param>
    /// <param name="layer">The host module, for errors.</param>
    /// <param name="branch">The dendrite sets (u, v, activation).</param>
    /// <param name="hostOutput">The host's output value.</param>
    /// <param name="preActivations">One pre-activation value per set, shaped like the host's output.</param>
    /// <param name="neuronShape">[out] followed by a 1 for every axis after the neuron axis.</param>
    /// <returns>The value holding host plus dendrites.</returns>
    public static string Cascade(OnnxGraphBuilder builder, nn.Module layer, DendriteBranch branch, string hostOutput, IReadOnlyList<string> preActivations, long[] neuronShape)
    {
        // u, v and their reshaped views are copied into the graph; the views die here.
        using var scope = torch.NewDisposeScope();
        var sets = branch.Sets;
        var output = hostOutput;
        var activations = new List<string>(sets.Count);
        for (var k = 0; k < sets.Count; k++)
        {
            var pre = preActivations[k];
            for (var i = 0; i < k; i++)
            {
                var v = builder.AddInitializer(sets[k].CascadeWeights![i].reshape(neuronShape), $"v{k}_{i}");
                pre = builder.AddNode("Add", new[] { pre, builder.AddNode("Mul", new[] { v, activations[i] }) });
            }

            var activation = branch.Options.Activation switch
            {
                DendriteActivation.Sigmoid => builder.AddNode("Sigmoid", new[] { pre }),
                DendriteActivation.Tanh => builder.AddNode("Tanh", new[] { pre }),
                DendriteActivation.HardSigmoid => builder.AddNode("HardSigmoid", new[] { pre }, new Dictionary<string, object> { ["alpha"] = 1.0 / 6.0, ["beta"] = 0.5 }),
                _ => throw builder.Error(layer, $"dendrite activation {branch.Options.Activation} has no ONNX form."),
            };
            activations.Add(activation);
            var u = builder.AddInitializer(sets[k].OutputScale.reshape(neuronShape), $"u{k}");
            output = builder.AddNode("Add", new[] { output, builder.AddNode("Mul", new[] { u, activation }) });
        }

        return output;
    }

    /// <summary>
    /// The host's and every set's weights as one weight. Ungrouped: stacked along the output axis, set after set.
    /// Grouped: group by group, with all sets' channels of a group together, because group g of the input only feeds
    /// output block g (the same layout the library's fused path uses).
    /// </summary>
    private static Tensor FusedWeights(HostLayerSpec spec, List<Tensor> weights, List<Tensor?> biases, out Tensor? bias)
    {
        var parts = weights.Count;
        if (spec.Kind == HostKind.Linear || spec.Groups == 1)
        {
            bias = spec.HasBias ? cat(biases.Select(b => b!).ToArray(), 0) : null;
            return cat(weights.ToArray(), 0);
        }

        var groups = spec.Groups;
        var perGroup = spec.OutFeatures / groups;
        var weight = stack(weights.ToArray(), 0).unflatten(1, new[] { groups, perGroup }).transpose(0, 1)
            .reshape(new[] { groups * parts * perGroup }.Concat(weights[0].shape.Skip(1)).ToArray());
        bias = spec.HasBias
            ? stack(biases.Select(b => b!).ToArray(), 0).view(parts, groups, perGroup).transpose(0, 1).reshape(-1)
            : null;
        return weight;
    }

    /// <summary>Channel indices that turn the grouped layout [group, part, channel] into [part, group, channel].</summary>
    private static long[] GroupedOrder(HostLayerSpec spec, int parts)
    {
        var groups = spec.Groups;
        var perGroup = spec.OutFeatures / groups;
        var order = new long[parts * spec.OutFeatures];
        var position = 0;
        for (var p = 0; p < parts; p++)
        {
            for (var g = 0; g < groups; g++)
            {
                for (var c = 0; c < perGroup; c++)
                {
                    order[position++] = (g * parts * perGroup) + (p * perGroup) + c;
                }
            }
        }

        return order;
    }
}
