using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Removes, after training, the dendrites whose contribution is negligible: whole sets (saving parameters and FLOPs)
/// or single neurons' dendrites (zeroed). Removing a set from the middle of a cascade drops the cascade weights that
/// later sets had on it, so the later sets keep reading the same activations. See docs/export.md.
/// </summary>
public static class DendritePruner
{
    /// <summary>
    /// Prunes every layer of a model's handle (from <see cref="Dendrites.Wrap"/> or <see cref="Dendrites.Adopt"/>),
    /// whether its dendrites replace the layer or are attached through a forward hook, and reports what was saved.
    /// Decisions are logged to the handle's logger (<see cref="WrapOptions.Logger"/> or <see cref="AdoptOptions.Logger"/>).
    /// </summary>
    /// <param name="model">The handle. Its model runs in eval mode while pruning and is returned to its mode afterwards; it must be a <c>Module&lt;Tensor, Tensor&gt;</c> when a validation batch is given.</param>
    /// <param name="options">Criterion, granularity and the criterion's limit; <see cref="PruningOptions.Default"/> when null.</param>
    /// <param name="validationInput">
    /// A batch of real inputs. Required by <see cref="PruningCriterion.MeasuredEffect"/>; with the other criterion it is
    /// optional and, when given, measures the output change (<see cref="PruningReport.MaxOutputChange"/>). It does not
    /// count FLOPs: those come from the check pass, as in <see cref="DendriticModel.Report"/>.
    /// </param>
    /// <returns>
    /// The report. Rebuild optimizers afterwards: removed and moved sets have new parameter objects. Its FLOPs saved
    /// per sample are unknown (null) for layers that lost sets but whose output positions no check pass measured
    /// (wrapped or adopted without a sample input, and no <see cref="DendriticModel.Verify"/> since).
    /// </returns>
    /// <exception cref="ArgumentException">A validation batch for a model that does not take one tensor, or MeasuredEffect without one.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="InvalidOptionsException"><paramref name="options"/> holds invalid values (<see cref="PruningOptions.Validate"/>); the exception lists each, and nothing is pruned.</exception>
    /// <exception cref="InvalidOperationException">
    /// The model was unwrapped (<see cref="DendriticModel.Unwrap"/>); there are no dendrites to prune. Or the
    /// criterion is <see cref="PruningCriterion.MeasuredEffect"/>, or a validation batch is given, while a layer with
    /// dendrite sets has them switched off (<see cref="WrappedLayer.Enabled"/> false, for example inside
    /// <see cref="DendriticModel.Disable"/>): the message names the layers; nothing is pruned.
    /// </exception>
    public static PruningReport Prune(DendriticModel model, PruningOptions? options = null, Tensor? validationInput = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.ThrowIfUnwrapped();
        if (options?.Criterion == PruningCriterion.MeasuredEffect || validationInput is not null)
        {
            ThrowIfSwitchedOff(model, options?.Criterion ?? PruningCriterion.OutputScale);
        }

        var layers = model.Layers;
        if (model.Model is nn.Module<Tensor, Tensor> callable)
        {
            return PruneLayers(callable, layers, options, validationInput, model.Options.Logger);
        }

        if (validationInput is not null || options?.Criterion == PruningCriterion.MeasuredEffect)
        {
            throw new ArgumentException($"The wrapped model is a {model.Model.GetType().Name}, not a Module<Tensor, Tensor>, so it cannot be run on a validation batch. Prune with the OutputScale criterion and no validation batch.", nameof(validationInput));
        }

        return PruneLayers(null, layers, options, null, model.Options.Logger);
    }

    /// <summary>
    /// A switched-off layer's sets change no output, so silencing them one by one would measure nothing and remove
    /// them all: trained dendrites deleted by an A/B switch, with a report of no change. Refused rather than guessed
    /// (measuring with the dendrites switched on would prune a model other than the one the caller is running).
    /// </summary>
    /// <remarks>
    /// With <see cref="PruningCriterion.OutputScale"/> and a validation batch the sets are chosen from their weights, but
    /// the reported output change would be measured on a model whose dendrites do not run (0, whatever was removed),
    /// so that is refused too; without a batch nothing is measured and pruning by weights goes ahead.
    /// </remarks>
    private static void ThrowIfSwitchedOff(DendriticModel model, PruningCriterion criterion)
    {
        var off = model.Layers.Where(l => !l.Enabled && l.DendriteCount > 0).Select(l => $"'{l.Name}' ({l.DendriteCount} sets)").ToList();
        if (off.Count == 0)
        {
            return;
        }

        throw new InvalidOperationException(criterion == PruningCriterion.MeasuredEffect
            ? $"The MeasuredEffect criterion cannot prune while dendrites are switched off: layer(s) {string.Join(", ", off)} have Enabled = false, " +
              "so silencing any of their sets would change no output and every one of them would be removed. Switch them on first " +
              "(leave the handle.Disable() scope, or set handle.Enabled = true or the layer's Enabled = true), or use the OutputScale criterion, " +
              "which reads the weights and does not run the model. Nothing was pruned."
            : $"Pruning with a validation batch measures the output change, but layer(s) {string.Join(", ", off)} have their dendrites switched off " +
              "(Enabled = false), so the change would read 0 whatever was removed. Switch them on first (leave the handle.Disable() scope, or set " +
              "handle.Enabled = true or the layer's Enabled = true), or prune by OutputScale without a validation batch. Nothing was pruned.");
    }

    private static PruningReport PruneLayers(nn.Module<Tensor, Tensor>? model, IReadOnlyList<WrappedLayer> layers, PruningOptions? options, Tensor? validationInput, ILogger logger)
    {
        options = (options ?? PruningOptions.Default).Validate();
        if (options.Criterion == PruningCriterion.MeasuredEffect && validationInput is null)
        {
            throw new ArgumentException("The MeasuredEffect criterion needs a validation batch to measure the output change on.", nameof(validationInput));
        }

        using (EvalModeScope.Enter(model))
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            var baseline = validationInput is null ? null : model!.call(validationInput).detach().clone();

            // Parameters and FLOPs before and after are both read from LayerCost, as handle.Report() reads them, so the
            // report's figures are the drops in the cost report's (choosing sets silences and restores them; it
            // removes nothing, so the costs taken here are those of the unpruned model).
            var costsBefore = layers.Select(l => l.Cost).ToList();
            long parametersAfter = 0;
            var removed = options.Criterion == PruningCriterion.MeasuredEffect
                ? ChooseByEffect(model!, layers, validationInput!, baseline!, options, logger)
                : layers.ToDictionary(l => l.Branch, l => ChooseByScale(l.Branch, options.OutputScaleLimit));
            var reports = new List<LayerPruningReport>(layers.Count);
            for (var i = 0; i < layers.Count; i++)
            {
                var layer = layers[i];
                var branch = layer.Branch;
                var sets = removed[branch];
                var before = branch.Count;
                var costBefore = costsBefore[i];
                var (neurons, zeroed) = options.Granularity == PruningGranularity.Neuron
                    ? ZeroNeurons(branch, sets, options.OutputScaleLimit)
                    : (0L, 0L);
                branch.RemoveAt(sets);
                var costAfter = layer.Cost;
                parametersAfter += costAfter.DendriteParameters;
                var report = new LayerPruningReport
                {
                    Name = layer.Name,
                    SetsBefore = before,
                    SetsAfter = branch.Count,
                    RemovedSets = sets.OrderBy(s => s).ToArray(),
                    NeuronsZeroed = neurons,
                    ParametersRemoved = costBefore.DendriteParameters - costAfter.DendriteParameters,
                    ParametersZeroed = zeroed,
                    FlopsSaved = FlopsSaved(costBefore, costAfter),
                    FlopsCounted = costBefore.FlopsCounted,
                };
                reports.Add(report);
                if (report.RemovedSets.Count > 0 || neurons > 0)
                {
                    PruningLog.LayerPruned(logger, layer.Name, string.Join(", ", report.RemovedSets), before, neurons, report.ParametersRemoved, report.FlopsSavedText);
                }
            }

            double? change = baseline is null ? null : MaxChange(model!.call(validationInput!), baseline);
            var result = new PruningReport
            {
                Layers = reports,
                DendriteParametersBefore = costsBefore.Sum(c => c.DendriteParameters),
                DendriteParametersAfter = parametersAfter,
                ParametersZeroed = reports.Sum(r => r.ParametersZeroed),
                SetsRemoved = reports.Sum(r => r.RemovedSets.Count),
                FlopsSaved = PruningReport.SumCounted(reports),
                MaxOutputChange = change,
            };
            PruningLog.Summary(logger, result.SetsRemoved, result.ParametersRemoved, result.FlopsSavedText, PruningLog.Change(change));
            return result;
        }
    }

    /// <summary>
    /// Per neuron of set <paramref name="k"/>: the largest of |u| and of every |v| that later sets read from it. A
    /// dendrite scoring 0 contributes exactly nothing, directly or through the cascade.
    /// </summary>
    internal static Tensor NeuronScores(DendriteBranch branch, int k)
    {
        var sets = branch.Sets;
        var score = sets[k].OutputScale.detach().abs();
        for (var m = k + 1; m < sets.Count; m++)
        {
            score = score.maximum(sets[m].CascadeWeights!.detach()[k].abs());
        }

        return score;
    }

    private static HashSet<int> ChooseByScale(DendriteBranch branch, double maxOutputScale)
    {
        var chosen = new HashSet<int>();
        for (var k = 0; k < branch.Count; k++)
        {
            if (NeuronScores(branch, k).max().item<float>() <= maxOutputScale)
            {
                chosen.Add(k);
            }
        }

        return chosen;
    }

    private static Dictionary<DendriteBranch, HashSet<int>> ChooseByEffect(nn.Module<Tensor, Tensor> model, IReadOnlyList<WrappedLayer> layers, Tensor input, Tensor baseline, PruningOptions options, ILogger logger)
    {
        var chosen = layers.ToDictionary(l => l.Branch, _ => new HashSet<int>());

        // Smallest weights first: they are the likeliest to go, and removing them first leaves the most room.
        var candidates = layers
            .SelectMany(l => Enumerable.Range(0, l.Branch.Count).Select(k => (l.Name, Branch: l.Branch, Set: k, Score: NeuronScores(l.Branch, k).max().item<float>())))
            .OrderBy(c => c.Score)
            .ToList();
        foreach (var (name, branch, k, _) in candidates)
        {
            var sets = branch.Sets;
            var saved = new List<(Tensor Target, Tensor Copy)> { (sets[k].OutputScale, sets[k].OutputScale.clone()) };
            for (var m = k + 1; m < sets.Count; m++)
            {
                var outgoing = sets[m].CascadeWeights![k];
                saved.Add((outgoing, outgoing.clone()));
            }

            // Silencing u and the outgoing v is exactly what removing the set does to the output.
            foreach (var (target, _) in saved)
            {
                target.zero_();
            }

            var change = MaxChange(model.call(input), baseline);
            var keep = change <= options.OutputChangeLimit;
            PruningLog.SetTried(logger, k, name, change, keep ? "<=" : ">", options.OutputChangeLimit);
            if (keep)
            {
                chosen[branch].Add(k);
                continue;
            }

            foreach (var (target, copy) in saved)
            {
                target.copy_(copy);
            }
        }

        return chosen;
    }

    /// <summary>Zeroes the dendrites of the neurons scoring at most <paramref name="maxOutputScale"/>, in sets that are not removed whole.</summary>
    private static (long Neurons, long Zeroed) ZeroNeurons(DendriteBranch branch, HashSet<int> removedSets, double maxOutputScale)
    {
        long neurons = 0;
        long zeroed = 0;
        var sets = branch.Sets;
        using var limit = maxOutputScale.ToScalar();
        var dead = Enumerable.Range(0, sets.Count).Select(k => NeuronScores(branch, k).le(limit)).ToList();
        for (var k = 0; k < sets.Count; k++)
        {
            if (removedSets.Contains(k))
            {
                continue;
            }

            var count = dead[k].sum().item<long>();
            if (count == 0)
            {
                continue;
            }

            neurons += count;
            var nonZeroBefore = NonZero(sets[k]);
            var keep = (~dead[k]).to(sets[k].OutputScale.dtype);
            if (branch.Spec.Kind != HostKind.Module)
            {
                // A module host's copy has no per-neuron weight rows; zeroing the neuron's u and v removes its dendrite.
                var rowShape = new long[sets[k].Weight.dim()];
                Array.Fill(rowShape, 1L);
                rowShape[0] = branch.Spec.OutFeatures;
                sets[k].Weight.mul_(keep.view(rowShape));
                sets[k].Bias?.mul_(keep);
            }

            sets[k].OutputScale.mul_(keep);
            sets[k].CascadeWeights?.mul_(keep);
            for (var m = k + 1; m < sets.Count; m++)
            {
                sets[m].CascadeWeights![k].mul_(keep);
            }

            zeroed += nonZeroBefore - NonZero(sets[k]);
        }

        return (neurons, zeroed);
    }

    /// <summary>
    /// The drop in the layer's dendrite FLOPs per sample while they run, as <see cref="DendriticModel.Report"/> counts
    /// them (the same <see cref="LayerCost"/>, so the two cannot disagree): for a switched-off layer, what its forward
    /// pass saves once switched on again, not the 0 it saves while off. 0 when no set went, whatever the positions; null
    /// when sets went from a layer whose output positions no check pass measured (a per-position figure is not a
    /// per-sample one) or whose FLOPs are not modelled (a module host).
    /// </summary>
    private static long? FlopsSaved(LayerCost before, LayerCost after)
    {
        if (!before.FlopsCounted)
        {
            return null;
        }

        return before.DendriteCount == after.DendriteCount ? 0 : before.DendriteFlopsPerSampleWhenOn - after.DendriteFlopsPerSampleWhenOn;
    }

    private static long NonZero(DendriteSet set) => set.parameters().Sum(p => p.count_nonzero().item<long>());

    private static double MaxChange(Tensor output, Tensor baseline) =>
        (output.to(float64) - baseline.to(float64)).abs().max().item<double>();
}
