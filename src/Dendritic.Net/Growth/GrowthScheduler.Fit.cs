using System;
using System.Globalization;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <content>The optional convenience loop.</content>
public sealed partial class GrowthScheduler
{
    // The trainable parameters Optimizer was built over (its factory's decision): a Fit that finds the model's
    // trainable parameters changed since (sets added, removed or pruned through the handle) builds a fresh one.
    private IReadOnlyList<Parameter> _optimizerBuiltFor = Array.Empty<Parameter>();

    /// <summary>
    /// A ready-made loop for users who do not want to write one: for each epoch, <paramref name="trainEpoch"/> trains
    /// with the current optimizer, <paramref name="validate"/> scores the model, and <see cref="Step"/> decides. The
    /// optimizer comes from <paramref name="optimizerFactory"/>, which Fit calls for its first optimizer and again after
    /// every growth step; the one in use is <see cref="Optimizer"/>.
    /// Stops when the scheduler completes or after <paramref name="epochs"/> epochs; in the second case the model is as
    /// the last epoch left it, and <see cref="Finish"/> puts the best one back (or call Fit again to go on).
    /// </summary>
    /// <remarks>
    /// <para>
    /// Epochs are numbered from 1 over the whole run, one per <see cref="Step"/>: the first epoch of a call is the
    /// number of validations the scheduler has seen plus one. A second call (or a call after <see cref="Resume"/>, or
    /// after <see cref="Step"/>s of your own) goes on from there, so an epoch-based shuffle or schedule does not repeat;
    /// with Fit alone, epoch n is validation n.
    /// </para>
    /// <para>
    /// A second call goes on with the optimizer the first one left in <see cref="Optimizer"/> (its moments kept), unless
    /// the model changed since: a growth step or <see cref="Finish"/> that removed sets, or trainable parameters that
    /// are no longer the ones the optimizer was built over (compared by reference at the start of each call:
    /// <see cref="DendriticModel.AddDendrites"/>, <see cref="DendriticModel.RemoveLastDendrites"/>,
    /// <see cref="DendritePruner.Prune"/>, or a change of what trains); Fit then disposes it and builds a fresh one. The
    /// scheduler owns the optimizers the factory returns: it disposes each one it replaces or drops, so the factory must
    /// build a new one every call. After <see cref="Resume"/> from a checkpoint saved with an optimizer, the first
    /// optimizer goes on from that optimizer's state (<see cref="DendriteCheckpoint.LoadOptimizerState"/>), unless a
    /// <see cref="Step"/> of your own came first (the state is out of date then). An optimizer that refuses that state
    /// is disposed and never used, and the state is kept for the next call. On a completed scheduler (one resumed from
    /// a completed checkpoint, say) Fit returns at once, with no epoch run and no optimizer built.
    /// </para>
    /// <para>
    /// <paramref name="progress"/>'s <c>Report</c> is called on Fit's thread after each <see cref="Step"/> (and after
    /// the next optimizer is built), and the next epoch waits for it to return: a handler that saves a checkpoint
    /// (<see cref="SaveCheckpoint"/> with <see cref="Optimizer"/>) must run there, in an <see cref="IProgress{T}"/> of
    /// your own whose <c>Report</c> does the work at once. <see cref="Progress{T}"/> does not: it posts each report to the
    /// thread pool (or the captured synchronization context), where its handler runs while the next epoch trains and
    /// <see cref="Step"/> changes the model and disposes optimizers; use it for printing only, never to save.
    /// </para>
    /// </remarks>
    /// <param name="epochs">Epoch budget of this call; at least 1.</param>
    /// <param name="optimizerFactory">
    /// Builds an optimizer from a decision's <see cref="GrowthDecision.TrainableParameters"/> and
    /// <see cref="GrowthDecision.LearningRate"/>, e.g. <c>d =&gt; optim.Adam(d.TrainableParameters, d.LearningRate ?? 1e-3)</c>.
    /// The first call gets a decision whose <see cref="GrowthDecision.Action"/> is <see cref="GrowthAction.NoChange"/>,
    /// with the model's trainable parameters and no learning rate; each later call gets the decision of a growth step.
    /// </param>
    /// <param name="trainEpoch">Trains one epoch: gets the 1-based epoch of the run and the optimizer to step.</param>
    /// <param name="validate">Returns the validation score of the model after the given 1-based epoch of the run.</param>
    /// <param name="progress">
    /// Receives one report per epoch, on Fit's thread, before the next epoch; optional. To save checkpoints from it, pass
    /// an <see cref="IProgress{T}"/> whose <c>Report</c> saves at once: <see cref="Progress{T}"/> runs its handler later,
    /// on another thread, concurrently with the next epoch (see remarks).
    /// </param>
    /// <param name="cancellationToken">Checked between epochs.</param>
    /// <returns>How the loop ended; its <see cref="GrowthFitResult.Epochs"/> counts the epochs of this call (0, with no last decision, on a completed scheduler).</returns>
    /// <exception cref="ArgumentNullException">A delegate is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epochs"/> is below 1.</exception>
    /// <exception cref="InvalidOperationException">
    /// The model has nothing to train: no parameter requires a gradient (the host frozen with
    /// <see cref="DendriticModel.SetBaseTrainable"/>(false) before any dendrite set was added, say). Checked before the
    /// first epoch of each call, where nothing has been run or changed yet; the message names the cause and the fix,
    /// where libtorch would fail at the first backward with "element 0 of tensors does not require grad". Also: the
    /// handle was unwrapped (<see cref="DendriticModel.Unwrap"/>), <paramref name="optimizerFactory"/> returned null,
    /// or <paramref name="validate"/> returned NaN or an infinity (or the optimizer's learning rate became
    /// negative, NaN or infinite): the message names the epoch and the value, and that epoch is not counted. Also
    /// what <see cref="Step"/> throws as such, which Fit calls once per epoch: the most validations a scheduler counts,
    /// every layer's dendrites switched off, and cascade-correlation's refusals.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; checked before each epoch, so the epochs before it are complete and counted.</exception>
    /// <exception cref="CheckpointException">
    /// After <see cref="Resume"/> from a checkpoint with optimizer state: the factory's first optimizer does not take
    /// that state (<see cref="CheckpointMismatchException"/>: another type, or other parameters; or
    /// <see cref="CheckpointCorruptedException"/>), as <see cref="DendriteCheckpoint.LoadOptimizerState"/> throws. That
    /// optimizer is disposed, <see cref="Optimizer"/> stays null and the state stays for the next call.
    /// </exception>
    public GrowthFitResult Fit(int epochs, Func<GrowthDecision, optim.Optimizer> optimizerFactory, Action<int, optim.Optimizer> trainEpoch, Func<int, double> validate, IProgress<GrowthProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ThrowIfUnwrapped();
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        ArgumentNullException.ThrowIfNull(optimizerFactory);
        ArgumentNullException.ThrowIfNull(trainEpoch);
        ArgumentNullException.ThrowIfNull(validate);
        if (IsCompleted)
        {
            // A completed run trains no more (resumed from a completed checkpoint, say): no optimizer to build or load.
            return new GrowthFitResult(0, true, BestScore, DendriteCount, null);
        }

        var trainable = _model.TrainableParameters();
        ThrowIfNothingTrains(trainable);
        if (Optimizer is not null && !SameParameters(_optimizerBuiltFor, trainable))
        {
            // Sets added, removed or pruned through the handle, or trainability changed, since the last Fit: the
            // optimizer holds tensors the model no longer trains (or lacks new ones), so it is out of date.
            DropOptimizer();
        }

        if (Optimizer is null)
        {
            // The first call, or the model changed since the last optimizer (Steps of your own, Finish, the handle): a fresh one.
            var decision = new GrowthDecision { Phase = Phase, DendriteCount = DendriteCount, TrainableParameters = trainable };
            var first = Build(optimizerFactory, decision);
            if (_savedOptimizer is { } saved)
            {
                // Resumed, and no Step since: the first optimizer goes on from the one saved with the checkpoint. Set
                // only once the state is in: an optimizer that refused it (another type, other parameters) must not
                // stay in use, and the saved state stays for the next Fit, whose factory may be the corrected one.
                try
                {
                    DendriteCheckpoint.LoadOptimizerState(saved, first);
                }
                catch
                {
                    first.Dispose();
                    throw;
                }

                _savedOptimizer = null;
            }

            Use(first, decision);
        }

        GrowthDecision? last = null;
        var run = 0;

        // Numbered by the validations seen, which a resumed scheduler carries over too. The last epoch is clamped so
        // that a budget of int.MaxValue ("until it completes") does not overflow past the validations already seen.
        var before = _state.Validations;
        var end = (int)Math.Min((long)before + epochs, int.MaxValue);
        for (var i = 0; i < end - before && !IsCompleted; i++)
        {
            var epoch = before + 1 + i;
            cancellationToken.ThrowIfCancellationRequested();
            var watch = Stopwatch.StartNew();
            trainEpoch(epoch, Optimizer!);
            var score = validate(epoch);
            watch.Stop();
            var rate = CurrentLearningRate(Optimizer!);
            ThrowIfNotScorable(epoch, score, rate);
            last = Step(score, rate, watch.Elapsed);
            if (last.RebuildOptimizer && !last.IsCompleted)
            {
                // Step disposed the one that did not hold the new sets (DropOptimizer). A completion that removed sets
                // dropped it too; Fit trains no more then, and the next call returns at once, so none is built.
                Use(Build(optimizerFactory, last), last);
            }

            run = i + 1;
            progress?.Report(new GrowthProgress(epoch, end, last, watch.Elapsed));
        }

        if (!IsCompleted)
        {
            // Documented, and easy to miss: the model is the last epoch's, which may hold a set the best one does not.
            // Without FirstScoreIsBest a one-epoch budget ends before there is a best.
            var best = BestScore is { } score
                ? string.Create(CultureInfo.InvariantCulture, $"the best (score {score:G6}, {_state.BestDendriteCount} set(s) per layer) is put back by Finish(), or call Fit again to go on.")
                : "there is no best score yet (the first is not counted as one): call Fit again to go on.";
            GrowthLog.FitBudgetSpent(_logger, run, DendriteCount, best);
        }

        return new GrowthFitResult(run, IsCompleted, BestScore, DendriteCount, last);
    }

    /// <summary>
    /// Ends training before the scheduler completes on its own, for a loop that stops on a budget of its own (an epoch
    /// cap, a deadline, or <see cref="Fit"/> returning with <see cref="GrowthFitResult.IsCompleted"/> false): puts the best
    /// model back as a completion does (the dendrite sets added since the best score are removed and the weights of
    /// the best score restored) and completes the scheduler. Without it the model stays as the last epoch left it,
    /// which after a growth step can be worse than the best. Does nothing when the scheduler is already complete.
    /// </summary>
    /// <remarks>
    /// After only a first score that is not counted (<see cref="GrowthOptions.FirstScoreIsBest"/> false), its weights,
    /// kept as a fallback, are what comes back. <see cref="History"/> gets no row (there is no score); it ends with the
    /// last <see cref="Step"/>. <see cref="Optimizer"/> is disposed and null afterwards when sets were removed.
    /// </remarks>
    /// <returns>
    /// Whether the best model was put back: true whenever a score had been reported (the best score's weights are copied
    /// back even when the last epoch was the best); false when the scheduler was already complete and when no score had
    /// been reported (there is no best model then; the scheduler still completes).
    /// </returns>
    /// <exception cref="InvalidOperationException">
    /// No best weights are at hand (a <see cref="GrowthOptions.BestWeightsDirectory"/> without its file); the model and
    /// the scheduler are left as they were.
    /// </exception>
    /// <exception cref="InvalidOperationException">The handle was unwrapped (<see cref="DendriticModel.Unwrap"/>) and the scheduler is not complete, so there is no model to put the best weights back into.</exception>
    /// <exception cref="CheckpointCorruptedException">The best weights file on disk is damaged.</exception>
    public bool Finish()
    {
        if (IsCompleted)
        {
            return false;
        }

        ThrowIfUnwrapped();

        // The first score's weights are always captured (as the best, or as a fallback when FirstScoreIsBest is off).
        var restore = _state.Validations > 0;
        if (restore)
        {
            RestoreBestModel(_state.BestDendriteCount);
        }

        _state = _state with { Phase = GrowthPhase.Completed };
        GrowthLog.Finished(_logger, _state.Validations, BestScore, _model.DendriteCount, restore);
        return restore;
    }

    /// <summary>
    /// What Step would refuse as its own arguments (<c>score</c>, <c>learningRate</c>), said as what Fit's caller gave:
    /// <c>validate</c>'s result, or the learning rate of the optimizer in use.
    /// </summary>
    /// <exception cref="InvalidOperationException">The score is not finite, or the learning rate is negative or not finite.</exception>
    private static void ThrowIfNotScorable(int epoch, double score, double? rate)
    {
        const string NotCounted = "The epoch was not counted (no Step ran): Finish() puts the best model back.";
        if (!double.IsFinite(score))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The validate callback passed to GrowthScheduler.Fit returned {score} after epoch {epoch}; a validation score must be a finite number. Check the validation pass: a NaN or infinite loss usually means that training diverged (lower the learning rate), or that the validation set is empty. {NotCounted}"));
        }

        if (rate is { } lr && (!double.IsFinite(lr) || lr < 0))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The optimizer in use in GrowthScheduler.Fit has learning rate {lr} after epoch {epoch} (its first parameter group); it must be a finite number >= 0. Check the optimizer factory and any learning-rate schedule that trainEpoch steps. {NotCounted}"));
        }
    }

    /// <summary>
    /// Refuses to build an optimizer over nothing: libtorch would fail at the first backward with a bare "element 0 of
    /// tensors does not require grad", which names neither the cause nor the fix.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="trainable"/> is empty.</exception>
    private static void ThrowIfNothingTrains(IReadOnlyList<Parameter> trainable)
    {
        if (trainable.Count == 0)
        {
            throw new InvalidOperationException("GrowthScheduler.Fit found no trainable parameter in the model, before this call's first epoch (this call ran and changed nothing): the host weights are frozen (DendriticModel.SetBaseTrainable(false), or requires_grad false on every parameter) and there is no trainable dendrite set, so the optimizer would train nothing and the first backward would fail in libtorch (\"element 0 of tensors does not require grad\"). Keep the host trainable until the scheduler has added dendrites (freeze it from the progress handler after a growth step), or add a set first with DendriticModel.AddDendrites.");
        }
    }

    private static optim.Optimizer Build(Func<GrowthDecision, optim.Optimizer> factory, GrowthDecision decision) =>
        factory(decision) ?? throw new InvalidOperationException($"The optimizer factory passed to GrowthScheduler.Fit returned null for the decision at validation {decision.Validation} ({decision.Action}); return an optimizer over decision.TrainableParameters, e.g. d => optim.Adam(d.TrainableParameters, d.LearningRate ?? 1e-3).");

    /// <summary>Makes <paramref name="optimizer"/> <see cref="Optimizer"/>, remembering what it was built over for the next Fit's check.</summary>
    private void Use(optim.Optimizer optimizer, GrowthDecision decision)
    {
        Optimizer = optimizer;

        // What the factory was given, not what the optimizer holds: a factory that leaves some tensors out on purpose
        // must not make every Fit rebuild.
        _optimizerBuiltFor = decision.TrainableParameters;
    }

    /// <summary>Whether two parameter lists hold the same tensor objects, by reference (pruned or re-added sets are new objects).</summary>
    private static bool SameParameters(IReadOnlyList<Parameter> a, IReadOnlyList<Parameter> b) =>
        a.Count == b.Count && a.ToHashSet(ReferenceEqualityComparer.Instance).SetEquals(b);

    private static double? CurrentLearningRate(optim.Optimizer optimizer) =>
        optimizer.ParamGroups.Select(g => (double?)g.LearningRate).FirstOrDefault();
}
