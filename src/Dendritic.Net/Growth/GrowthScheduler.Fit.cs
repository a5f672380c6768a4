using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using static TorchSharp.torch;

namespace Dendritic;

/// <content>The optional convenience loop.</content>
public sealed partial class GrowthScheduler
{
    /// <summary>
    /// A ready-made loop for users who do not want to write one: for each epoch, <paramref name="trainEpoch"/> trains
    /// with the current optimizer, <paramref name="validate"/> scores the model, and <see cref="Step"/> decides. The
    /// optimizer comes from <see cref="GrowthOptions.OptimizerFactory"/> (required) and is rebuilt by it after every growth step.
    /// Stops when the scheduler completes or after <paramref name="epochs"/> epochs; in the second case the model is as
    /// the last epoch left it, and <see cref="Finish"/> puts the best one back (or call Fit again to go on).
    /// </summary>
    /// <remarks>
    /// Epochs are numbered from 1 over the whole run, one per <see cref="Step"/>: the first epoch of a call is the
    /// number of validations the scheduler has seen plus one. A second call (or a call after <see cref="Resume"/>, or
    /// after <see cref="Step"/>s of your own) goes on from there, so an epoch-based shuffle or schedule does not repeat;
    /// with Fit alone, epoch n is validation n.
    /// </remarks>
    /// <param name="epochs">Epoch budget of this call; at least 1.</param>
    /// <param name="trainEpoch">Trains one epoch: gets the 1-based epoch of the run and the optimizer to step.</param>
    /// <param name="validate">Returns the validation score of the model after the given 1-based epoch of the run.</param>
    /// <param name="progress">Receives one report per epoch; optional.</param>
    /// <param name="cancellationToken">Checked between epochs.</param>
    /// <returns>How the loop ended; its <see cref="GrowthFitResult.Epochs"/> counts the epochs of this call.</returns>
    /// <exception cref="InvalidOperationException"><see cref="GrowthOptions.OptimizerFactory"/> is not set, or the handle was unwrapped (<see cref="DendriticModel.Unwrap"/>).</exception>
    /// <exception cref="CheckpointException">
    /// After <see cref="Resume"/> from a checkpoint with optimizer state: the factory's first optimizer does not take
    /// that state (<see cref="CheckpointMismatchException"/>: another type, or other parameters; or
    /// <see cref="CheckpointCorruptedException"/>), as <see cref="DendriteCheckpoint.LoadOptimizerState"/> throws.
    /// </exception>
    public GrowthFitResult Fit(int epochs, Action<int, optim.Optimizer> trainEpoch, Func<int, double> validate, IProgress<GrowthProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ThrowIfUnwrapped();
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        ArgumentNullException.ThrowIfNull(trainEpoch);
        ArgumentNullException.ThrowIfNull(validate);
        var factory = Options.OptimizerFactory ?? throw new InvalidOperationException(
            "Fit needs GrowthOptions.OptimizerFactory to build the optimizer and rebuild it after growth, e.g. OptimizerFactory = d => optim.Adam(d.TrainableParameters, d.LearningRate ?? 1e-3)."
            + (_resumed ? " This scheduler comes from GrowthScheduler.Resume, and checkpoints do not save delegates, so Resume does not keep them: pass them to Resume with the recorded options, GrowthScheduler.Resume(loaded, GrowthSchedulerState.FromCheckpoint(loaded)!.Options! with { OptimizerFactory = d => ... }) (docs/growth-scheduler.md, \"Checkpoints and resume\")." : string.Empty));
        if (Optimizer is null)
        {
            Optimizer = factory(new GrowthDecision { Phase = Phase, DendriteCount = DendriteCount, TrainableParameters = _model.TrainableParameters() });
            if (_savedOptimizer is { } saved)
            {
                // Resumed, and no Step since: the first optimizer goes on from the one saved with the checkpoint.
                DendriteCheckpoint.LoadOptimizerState(saved, Optimizer);
                _savedOptimizer = null;
            }
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
            trainEpoch(epoch, Optimizer);
            var score = validate(epoch);
            watch.Stop();
            last = Step(score, CurrentLearningRate(Optimizer), watch.Elapsed);
            run = i + 1;
            progress?.Report(new GrowthProgress(epoch, end, last, watch.Elapsed));
        }

        return new GrowthFitResult(run, IsCompleted, BestScore, DendriteCount, last);
    }

    /// <summary>
    /// Ends training before the scheduler completes on its own, for a loop that stops on a budget of its own (an epoch
    /// cap, a deadline, or <see cref="Fit"/> returning with <see cref="GrowthFitResult.Completed"/> false): puts the best
    /// model back as a completion does (the dendrite sets added since the best score are removed and the weights of
    /// the best score restored) and completes the scheduler. Without it the model stays as the last epoch left it,
    /// which after a growth step can be worse than the best. Does nothing when the scheduler is already complete.
    /// </summary>
    /// <remarks>
    /// After only a first score that is not counted (<see cref="GrowthOptions.FirstScoreIsBest"/> false), its weights,
    /// kept as a fallback, are what comes back. <see cref="History"/> gets no row (there is no score); it ends with the
    /// last <see cref="Step"/>. <see cref="Optimizer"/> is null afterwards when sets were removed.
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

    private static double? CurrentLearningRate(optim.Optimizer optimizer) =>
        optimizer.ParamGroups.Select(g => (double?)g.LearningRate).FirstOrDefault();
}
