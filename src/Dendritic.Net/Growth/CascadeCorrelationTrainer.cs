using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Candidate training of cascade-correlation (Fahlman and Lebiere, 1990), per neuron: the newest
/// <see cref="CascadeCorrelationOptions.PoolSize"/> dendrite sets of every layer (the candidates) train alone, their
/// output unconnected (u = 0, frozen), each to maximise S = Σ_j |Σ_p (a_pj − ā_j)(e_pj − ē_j)|, where a is the
/// candidate's activation and e the gradient of the loss with respect to the layer's output. With a pool, per neuron
/// the candidate with the largest |covariance| is copied into the first candidate and the others are removed.
/// Afterwards the kept set's inputs (D, bias, v) are frozen for good and its u becomes trainable, still zero.
/// </summary>
internal static class CascadeCorrelationTrainer
{
    public static CandidateTrainingResult Train(nn.Module model, IReadOnlyList<DendriteBranch> layers, IReadOnlyList<string> names, Func<IEnumerable<Tensor>> losses, CascadeCorrelationOptions options, Action<int, double> epochDone)
    {
        if (layers.FirstOrDefault(l => l.Spec.Kind == HostKind.Module) is { } moduleHost)
        {
            // The candidate pool copies weight rows between candidates, which a module host's copies do not have.
            throw new UnsupportedHostException(string.Empty, moduleHost.Spec.ModuleType, $"Cascade-correlation training (DendriteTrainingMode.CascadeCorrelation) does not support module hosts, and this model has a {moduleHost.Spec.ModuleType} host. Use DendriteTrainingMode.GradientDescent (the default) for it.");
        }

        // enable_grad() cannot lift inference mode: tensors made there never record a graph.
        if (is_inference_mode_enabled())
        {
            throw new InvalidOperationException("Cascade-correlation candidates train by backpropagation, and this Step runs inside torch.inference_mode(), where no tensor records a graph (unlike no_grad(), which Step lifts for candidate training). Call Step outside inference_mode(); no_grad() around it is fine.");
        }

        // Candidate training needs a graph, whatever the caller's mode: a Step taken inside no_grad() (validation and
        // step in one block) would otherwise get losses without one. The caller's mode comes back on return.
        using var gradients = enable_grad();
        var pool = options.PoolSize;
        var all = model.parameters().ToList();
        var wasTrainable = all.Select(p => p.requires_grad).ToList();
        var candidates = layers.SelectMany(l => l.Sets.Skip(l.Count - pool)).ToList();
        var observers = layers.Select(_ => new CorrelationObserver(pool)).ToList();
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
        var lastPerLayer = new double[layers.Count];
        var lastBounds = new double[layers.Count];
        var epochs = 0;
        (double[][][] Covariances, double[][][] Bounds)? measured = null;
        try
        {
            using var optimizer = optim.Adam(trained, options.LearningRate);
            Action? keepCandidatesApart = pool == 1 ? null : () => ZeroCandidateCascadeGradients(layers, pool);
            var stale = 0;
            for (var epoch = 1; epoch <= options.MaxEpochs && stale < options.Patience; epoch++)
            {
                var (total, perLayer, bounds) = RunEpoch(losses, observers, names, optimizer, keepCandidatesApart, withBounds: pool == 1);
                (last, lastPerLayer, lastBounds, epochs) = (total, perLayer, bounds, epoch);
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

            if (pool > 1)
            {
                measured = MeasureCandidates(losses, observers, names, optimizer, layers, pool);
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

        // A single candidate keeps its final weights, so report the S it has, not the best S seen on the way.
        var result = measured is not { } pooled
            ? new CandidateTrainingResult(last) { LayerCorrelations = lastPerLayer, LayerBounds = lastBounds }
            : CandidatePool.Install(layers, pooled.Covariances, pooled.Bounds);
        return result with { Epochs = epochs };
    }

    /// <returns>S summed over the batches: in all, and per layer (for the log); and per layer the sum of its bound (<see cref="CorrelationObserver.Bounds"/>).</returns>
    // withBounds: whether to sum the bounds too. A single candidate's result reports the last epoch's; a pool's comes
    // from MeasureCandidates, so its epochs skip them (they cost several [patterns, neurons] temporaries per layer).
    private static (double Total, double[] PerLayer, double[] Bounds) RunEpoch(Func<IEnumerable<Tensor>> losses, List<CorrelationObserver> observers, IReadOnlyList<string> names, optim.Optimizer optimizer, Action? beforeStep, bool withBounds)
    {
        var total = 0.0;
        var perLayer = new double[observers.Count];
        var bounds = new double[observers.Count];

        // A delegate that returns a collection runs its forward passes here, not in MoveNext: their tensors die with the epoch.
        using var epochScope = NewDisposeScope();
        using var batches = Batches(losses, observers).GetEnumerator();
        for (var batch = 0; ; batch++)
        {
            // An iterator runs the forward pass inside MoveNext, so the batch's scope has to open before it.
            using var scope = NewDisposeScope();
            if (!MoveNext(batches, batch, scope))
            {
                break;
            }

            var loss = CheckedLoss(batches.Current, observers, names);

            // First pass: the taps record e = ∂loss/∂output of every layer; the graph stays for the second pass.
            loss.backward(retain_graph: true);
            optimizer.zero_grad();
            var byLayer = observers.Select(o => o.Correlation()).ToList();
            var correlations = byLayer.OfType<Tensor>().ToList();
            if (correlations.Count == 0)
            {
                // The loss has a graph, but not through these layers: the candidates would be installed untrained.
                throw new InvalidOperationException("CandidateLosses yielded a loss that did not run through any wrapped layer of the model being grown (no layer saw its error), so the candidates cannot train. Compute each loss from a forward pass of this scheduler's model; after GrowthScheduler.Resume, of the loaded model, not the one that was saved.");
            }

            // Taken before the second backward, which runs through the taps of the layers that feed later ones and
            // would overwrite their e with the gradient of S.
            var layerBounds = withBounds ? observers.Select(o => o.Bounds()?.sum()).OfType<Tensor>().ToList() : [];
            var s = correlations.Count == 1 ? correlations[0] : stack(correlations).sum();
            (-s).backward();
            beforeStep?.Invoke();
            optimizer.step();
            total += s.to(float64).item<double>();
            // One read from the device for both: the layers' S, then their bounds (the same layers, in the same order).
            var values = stack(correlations.Select(c => c.detach().to(float64)).Concat(layerBounds).ToList()).cpu().data<double>().ToArray();
            for (int l = 0, k = 0; l < byLayer.Count; l++)
            {
                if (byLayer[l] is not null)
                {
                    perLayer[l] += values[k];
                    if (withBounds)
                    {
                        bounds[l] += values[correlations.Count + k];
                    }

                    k++;
                }
            }

            foreach (var observer in observers)
            {
                observer.Clear();
            }
        }

        return (total, perLayer, bounds);
    }

    /// <summary>
    /// One more pass with the final weights and no update: Σ over batches of every candidate's per-neuron |covariance|,
    /// per layer as [candidate][neuron], so the choice is made on exactly the weights that get installed; and the same
    /// sums of their bounds (<see cref="CorrelationObserver.Bounds"/>).
    /// </summary>
    private static (double[][][] Covariances, double[][][] Bounds) MeasureCandidates(Func<IEnumerable<Tensor>> losses, List<CorrelationObserver> observers, IReadOnlyList<string> names, optim.Optimizer optimizer, IReadOnlyList<DendriteBranch> layers, int pool)
    {
        var sums = layers.Select(l => Enumerable.Range(0, pool).Select(_ => new double[l.Spec.OutFeatures]).ToArray()).ToArray();
        var bounds = layers.Select(l => Enumerable.Range(0, pool).Select(_ => new double[l.Spec.OutFeatures]).ToArray()).ToArray();
        using var passScope = NewDisposeScope();
        using var batches = Batches(losses, observers).GetEnumerator();
        for (var batch = 0; ; batch++)
        {
            using var scope = NewDisposeScope();
            if (!MoveNext(batches, batch, scope))
            {
                break;
            }

            CheckedLoss(batches.Current, observers, names).backward();
            optimizer.zero_grad();
            for (var l = 0; l < observers.Count; l++)
            {
                if (observers[l].Covariances() is { } covariances)
                {
                    // One read from the device for both: [0] the covariances, [1] their bounds.
                    var both = stack(new[] { covariances.to(float64), observers[l].Bounds()! }).cpu();
                    Accumulate(sums[l], both[0]);
                    Accumulate(bounds[l], both[1]);
                }

                observers[l].Clear();
            }
        }

        return (sums, bounds);
    }

    /// <summary>
    /// The next loss of <c>CandidateLosses</c>, with <paramref name="scope"/> (the batch's) open around the forward pass.
    /// An iterator makes what it keeps for the whole pass (a shuffle order, <c>using var perm = randperm(n)</c>) in its
    /// first MoveNext, in the first batch's scope, whose end disposed it: the second batch then failed inside the
    /// user's iterator with TorchSharp's bare "empty handle". So what the first MoveNext made outside any autograd graph
    /// (no gradient required: the order, the batch's inputs and targets, other disposables) moves to the pass's scope,
    /// while the loss, the activations and the graph behind them still die with their batch. A sequence that carries
    /// a tensor made in a later batch into the next finds it disposed; TorchSharp then says only "empty handle", so the
    /// rule is added to its message.
    /// </summary>
    private static bool MoveNext(IEnumerator<Tensor> batches, int batch, DisposeScope scope)
    {
        try
        {
            var moved = batches.MoveNext();
            if (batch == 0)
            {
                scope.MoveToOuter(scope.DisposablesView.Where(d => d is not Tensor tensor || (!tensor.IsInvalid && !tensor.requires_grad)).ToList());
            }

            return moved;
        }
        catch (InvalidOperationException e) when (batch > 0 && e.Message.Contains("empty handle", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"CandidateLosses's sequence used a disposed tensor at batch {batch + 1} ({e.Message}). Cascade-correlation disposes the tensors made during each batch after that batch, so a tensor the sequence keeps across batches must be made before its first batch (what an iterator makes before its first yield lives for the whole pass), or kept outside TorchSharp (an int[] shuffle order), or come from a TorchSharp DataLoader.", e);
        }
    }

    /// <summary>Adds a [candidate, neuron] tensor to <paramref name="sums"/>.</summary>
    private static void Accumulate(double[][] sums, Tensor batch)
    {
        var values = batch.to(float64).cpu();
        for (var c = 0; c < sums.Length; c++)
        {
            var row = values[c].data<double>().ToArray();
            for (var j = 0; j < row.Length; j++)
            {
                sums[c][j] += row[j];
            }
        }
    }

    /// <summary>
    /// Candidates must not feed each other: the v entries from one candidate to a later one stay zero. Their gradient
    /// is cleared before every step, and Adam with zero gradients from zero moments leaves them exactly at zero.
    /// </summary>
    private static void ZeroCandidateCascadeGradients(IReadOnlyList<DendriteBranch> layers, int pool)
    {
        using var noGrad = no_grad();
        foreach (var layer in layers)
        {
            var first = layer.Count - pool;
            for (var c = 1; c < pool; c++)
            {
                layer.Sets[first + c].CascadeWeights!.grad?.narrow(0, first, c).zero_();
            }
        }
    }

    /// <summary>
    /// The delegate's sequence, refused when it is a collection of more than one loss: its forward passes all ran
    /// before the first backward, and each layer's observer keeps one activation (per batch), so the first loss's
    /// error would meet the last forward's activations (and libtorch then refuses the second backward).
    /// </summary>
    private static IEnumerable<Tensor> Batches(Func<IEnumerable<Tensor>> losses, List<CorrelationObserver> observers)
    {
        // A forward run after the previous pass's last loss (an iterator that goes on after its last yield) is no batch
        // of this pass: counted, it would make the first batch look like a layer run twice.
        foreach (var observer in observers)
        {
            observer.Clear();
        }

        var sequence = losses();
        var count = sequence switch
        {
            ICollection<Tensor> c => c.Count,
            IReadOnlyCollection<Tensor> c => c.Count,
            _ => 0,
        };
        if (count > 1)
        {
            throw new InvalidOperationException($"CandidateLosses returned a collection of {count} losses ({sequence.GetType().Name}), whose forward passes all ran before the first backward; cascade-correlation pairs each batch's activations with that batch's error, so it needs each forward to run just before its backward. Return a lazy sequence instead, without ToList() or ToArray(): () => loader.Select(b => lossFn(model.call(b.X), b.Y)), or an iterator that yields each loss right after its forward.");
        }

        return sequence;
    }

    private static Tensor CheckedLoss(Tensor? loss, List<CorrelationObserver> observers, IReadOnlyList<string> names)
    {
        if (loss is null)
        {
            throw new InvalidOperationException("CandidateLosses yielded a null loss.");
        }

        if (observers.FindIndex(o => o.Calls > 1) is var repeated and >= 0)
        {
            // Checked before backward: the tap saw the first call, the observer's activations would be of one call only.
            throw new InvalidOperationException($"Layer '{names[repeated]}' ran {observers[repeated].Calls} times for one loss of CandidateLosses. Cascade-correlation pairs one activation with one error per layer per batch, so it cannot train candidates of a layer the model calls more than once per forward (shared weights, a siamese net, a recurrent loop): use DendriteTrainingMode.GradientDescent for such a model. If the model calls each layer once, CandidateLosses ran several forward passes before yielding this loss: yield each batch's loss right after its forward.");
        }

        if (!loss.requires_grad)
        {
            // Candidate training turns gradients on itself, so a loss without a graph comes from a no_grad() (or
            // enable_grad(false), or a detach) of the delegate's own, or from another model.
            throw new InvalidOperationException("CandidateLosses yielded a loss that does not depend on the model's dendrites; compute it from a forward pass of the wrapped model, with gradients on: not inside a no_grad() of CandidateLosses' own, and not detached (cascade-correlation candidate training turns gradients on itself, so a Step inside no_grad() is fine).");
        }

        return loss;
    }
}
