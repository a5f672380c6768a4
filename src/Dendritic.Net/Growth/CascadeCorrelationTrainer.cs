using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Candidate training of cascade-correlation (Fahlman and Lebiere, 1990), per neuron: the newest dendrite set of every
/// layer trains alone, its output unconnected (u = 0, frozen), to maximise S = Σ_j |Σ_p (a_pj − ā_j)(e_pj − ē_j)|,
/// where a is the set's activation and e the gradient of the loss with respect to the layer's output. Afterwards the
/// set's inputs (D, bias, v) are frozen for good and its u becomes trainable, still zero.
/// </summary>
internal static class CascadeCorrelationTrainer
{
    public static double Train(nn.Module model, IReadOnlyList<DendriteBranch> layers, Func<IEnumerable<Tensor>> losses, CascadeCorrelationOptions options, Action<int, double> epochDone)
    {
        var all = model.parameters().ToList();
        var wasTrainable = all.Select(p => p.requires_grad).ToList();
        var candidates = layers.Select(l => l.Sets[^1]).ToList();
        var observers = layers.Select(_ => new CorrelationObserver()).ToList();
        var trained = new List<Parameter>();
        foreach (var parameter in all)
        {
            parameter.requires_grad = false;
        }

        foreach (var set in candidates)
        {
            foreach (var parameter in new[] { set.Weight, set.Bias, set.CascadeWeights }.OfType<Parameter>())
            {
                parameter.requires_grad = true;
                trained.Add(parameter);
            }
        }

        for (var i = 0; i < layers.Count; i++)
        {
            layers[i].Observer = observers[i];
        }

        var best = double.NegativeInfinity;
        var last = 0.0;
        try
        {
            using var optimizer = optim.Adam(trained, options.LearningRate);
            var stale = 0;
            for (var epoch = 1; epoch <= options.MaxEpochs && stale < options.Patience; epoch++)
            {
                var total = RunEpoch(losses, observers, optimizer);
                last = total;
                epochDone(epoch, total);
                if (total > best + (options.MinRelativeImprovement * Math.Abs(best)) || double.IsNegativeInfinity(best))
                {
                    best = total;
                    stale = 0;
                }
                else
                {
                    stale++;
                }
            }
        }
        finally
        {
            foreach (var layer in layers)
            {
                layer.Observer = null;
            }

            foreach (var observer in observers)
            {
                observer.Clear();
            }

            for (var i = 0; i < all.Count; i++)
            {
                all[i].requires_grad = wasTrainable[i];
            }

            foreach (var set in candidates)
            {
                set.Frozen = true;
                set.OutputScale.requires_grad = true;
            }
        }

        // The candidates keep their final weights, so report the S they have, not the best S seen on the way.
        return last;
    }

    private static double RunEpoch(Func<IEnumerable<Tensor>> losses, List<CorrelationObserver> observers, optim.Optimizer optimizer)
    {
        var total = 0.0;
        using var batches = losses().GetEnumerator();
        while (true)
        {
            // The enumerator runs the forward pass inside MoveNext, so the scope has to open before it.
            using var scope = NewDisposeScope();
            if (!batches.MoveNext())
            {
                break;
            }

            var loss = batches.Current ?? throw new InvalidOperationException("CandidateLosses yielded a null loss.");
            if (!loss.requires_grad)
            {
                throw new InvalidOperationException("CandidateLosses yielded a loss that does not depend on the model's dendrites; compute it from a forward pass of the wrapped model.");
            }

            // First pass: the taps record e = ∂loss/∂output of every layer; the graph stays for the second pass.
            loss.backward(retain_graph: true);
            optimizer.zero_grad();
            var correlations = observers.Select(o => o.Correlation()).OfType<Tensor>().ToList();
            if (correlations.Count > 0)
            {
                var s = correlations.Count == 1 ? correlations[0] : stack(correlations).sum();
                (-s).backward();
                optimizer.step();
                total += s.to(float64).item<double>();
            }

            foreach (var observer in observers)
            {
                observer.Clear();
            }
        }

        return total;
    }
}
