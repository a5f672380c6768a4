using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Opt-in dendrite growth for a training loop the user keeps. After each validation pass call <see cref="Step"/> with
/// the score: it answers with a <see cref="GrowthDecision"/> (nothing changed / dendrites added, rebuild the optimizer /
/// completed, best model restored). It never prompts, prints or exits; every decision is logged through the
/// <see cref="ILogger"/> with stable event ids and explained in the decision. See docs/growth-scheduler.md.
/// </summary>
public sealed partial class GrowthScheduler
{
    private readonly IGrowthModel _model;
    private readonly ILogger _logger;
    private readonly PlateauTracker _plateau;
    private readonly BestWeightsStore _best;
    private int _validations;
    private int _sinceChange;
    private int _retries;
    private bool _improvedSinceChange;
    private int _bestDendriteCount;

    internal GrowthScheduler(IGrowthModel model, GrowthOptions? options, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        Options = (options ?? GrowthOptions.Default).Validate();
        _logger = logger ?? NullLogger.Instance;
        _plateau = new PlateauTracker(Options);
        _best = BestWeightsStore.For(Options, model);
    }

    /// <summary>The validated options.</summary>
    public GrowthOptions Options { get; }

    /// <summary>Where the scheduler is: <see cref="GrowthPhase.Initial"/> until the first growth step.</summary>
    public GrowthPhase Phase { get; private set; } = GrowthPhase.Initial;

    /// <summary>Whether training is complete; <see cref="Step"/> throws from then on.</summary>
    public bool IsCompleted => Phase == GrowthPhase.Completed;

    /// <summary>The best (smoothed) score so far; null before the first call.</summary>
    public double? BestScore => _plateau.Best;

    /// <summary>Dendrite sets per wrapped layer now.</summary>
    public int DendriteCount => _model.DendriteCount;

    /// <summary>Every validation seen, with CSV and SVG output.</summary>
    public GrowthHistory History { get; } = new();

    /// <summary>The optimizer last built by <see cref="GrowthOptions.OptimizerFactory"/>; null until then.</summary>
    public optim.Optimizer? Optimizer { get; private set; }

    /// <summary>
    /// Reports one validation score and applies the decision: restores the best weights and grows, reverts and
    /// retries, or completes. Call it after each validation pass, outside any dispose scope whose end would free the
    /// model's new parameters.
    /// </summary>
    /// <param name="score">The validation score; finite. Higher is better unless <see cref="GrowthOptions.Mode"/> is Minimize.</param>
    /// <param name="learningRate">The optimizer's current learning rate, for the history, the restart factor and the low-rate warning; optional, finite and &gt;= 0.</param>
    /// <param name="epochTime">How long the epoch took, for the history; optional, not negative.</param>
    /// <returns>The decision.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A NaN or infinite score, or a bad learning rate or time.</exception>
    /// <exception cref="InvalidOperationException">Training is already complete.</exception>
    public GrowthDecision Step(double score, double? learningRate = null, TimeSpan? epochTime = null)
    {
        if (IsCompleted)
        {
            throw new InvalidOperationException($"Training is already complete (best score {BestScore?.ToString("R", CultureInfo.InvariantCulture)}): the best model is in place. Build a new GrowthScheduler to train again.");
        }

        if (!double.IsFinite(score))
        {
            throw new ArgumentOutOfRangeException(nameof(score), score, "The validation score must be a finite number; check the validation pass for a diverged loss.");
        }

        if (learningRate is { } rate && (!double.IsFinite(rate) || rate < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), rate, "The learning rate must be a finite number >= 0, or null.");
        }

        if (epochTime is { } time && time < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(epochTime), time, "The epoch time cannot be negative.");
        }

        _validations++;
        _sinceChange++;
        var measuredPhase = Phase;
        var measuredDendrites = _model.DendriteCount;
        var measuredParameters = _model.ParameterCount;
        var value = _plateau.Smooth(score);
        Outcome outcome;
        if (_validations == 1 && !Options.FirstScoreIsBest)
        {
            // perforatedai's check_new_best never counts epoch 0; its weights are still kept, as a fallback only.
            CaptureBest();
            outcome = new Outcome(GrowthAction.NoChange, GrowthReason.FirstScore, "First score; its weights are kept as a fallback, but it is not taken as the best (FirstScoreIsBest is false).");
        }
        else
        {
            var first = _plateau.Best is null;
            var (improved, counted, inCooldown) = _plateau.Observe(value, measuredDendrites);
            if (improved)
            {
                CaptureBest();
                _improvedSinceChange |= !first;
            }

            outcome = Decide(first, improved, counted, inCooldown, learningRate);
        }

        History.Add(new GrowthHistoryEntry
        {
            Validation = _validations,
            Score = score,
            SmoothedScore = value,
            BestScore = _plateau.Best ?? value,
            Phase = measuredPhase,
            Action = outcome.Action,
            Reason = outcome.Reason,
            LearningRate = learningRate,
            DendriteCount = measuredDendrites,
            ParameterCount = measuredParameters,
            EpochSeconds = epochTime?.TotalSeconds,
        });

        var decision = new GrowthDecision
        {
            Action = outcome.Action,
            Reason = outcome.Reason,
            Message = outcome.Message,
            Validation = _validations,
            Score = score,
            SmoothedScore = value,
            BestScore = _plateau.Best ?? value,
            BadValidations = _plateau.BadValidations,
            Retries = _retries,
            DendriteCount = _model.DendriteCount,
            Phase = Phase,
            NewParameters = outcome.NewParameters,
            TrainableParameters = outcome.Action == GrowthAction.NoChange ? Array.Empty<Parameter>() : _model.TrainableParameters(),
            LearningRate = outcome.Action == GrowthAction.DendritesAdded && learningRate is { } lr && Options.LearningRateRestartFactor is { } factor ? lr * factor : learningRate,
            LowLearningRate = outcome.LowLearningRate,
            CandidateCorrelation = outcome.Correlation,
        };
        Log(decision);
        if (decision.Action == GrowthAction.DendritesAdded && Options.OptimizerFactory is { } factory)
        {
            Optimizer = factory(decision);
        }

        return decision;
    }

    private Outcome Decide(bool first, bool improved, bool counted, bool inCooldown, double? learningRate)
    {
        var trigger = Options.Trigger switch
        {
            GrowthTrigger.EveryN => _sinceChange >= Options.Interval,
            GrowthTrigger.EveryValidation => true,
            _ => _plateau.IsPlateau,
        };

        if (!trigger)
        {
            var reason = first ? GrowthReason.FirstScore : counted ? GrowthReason.Improved : inCooldown ? GrowthReason.Cooldown : GrowthReason.NoImprovement;
            var message = reason switch
            {
                GrowthReason.FirstScore => "First score; it is the best so far.",
                GrowthReason.Improved when !improved => "New best score of this cycle (not the global best); patience restarts.",
                GrowthReason.Improved => "New best score.",
                GrowthReason.Cooldown => $"No improvement, but within the cooldown after growth ({_plateau.CooldownLeft} validation(s) left).",
                _ => $"No improvement by the thresholds ({_plateau.BadValidations} of patience {Options.Patience}).",
            };
            return new Outcome(GrowthAction.NoChange, reason, message);
        }

        var why = Options.Trigger switch
        {
            GrowthTrigger.EveryN => $"Interval of {Options.Interval} validation(s) reached",
            GrowthTrigger.EveryValidation => "Growth at every validation",
            _ => $"Plateau: {_plateau.BadValidations} non-improving validation(s), patience {Options.Patience}",
        };

        if (Options.Trigger == GrowthTrigger.Never)
        {
            return Complete(GrowthReason.EarlyStopped, restore: true, why + "; growth is off, so training stops early with the best model restored.");
        }

        if (Phase == GrowthPhase.Grown && Options.KeepOnlyImprovements && !_improvedSinceChange)
        {
            _retries++;
            RestoreBest();
            if (_retries > Options.MaxRetries)
            {
                return Complete(GrowthReason.RetriesExhausted, restore: false, $"{why}; the last {_retries} growth attempt(s) never beat the best score, no retries left ({Options.MaxRetries}): best model restored with {_model.DendriteCount} dendrite set(s).");
            }

            return Grow(GrowthReason.Retried, $"{why}; the last growth never beat the best score: reverted to the best model and added fresh dendrites (retry {_retries} of {Options.MaxRetries}).", learningRate);
        }

        if (_model.DendriteCount >= Options.MaxDendrites)
        {
            return Complete(GrowthReason.MaxDendritesReached, restore: true, $"{why} at the maximum of {Options.MaxDendrites} dendrite set(s): best model restored with {_model.DendriteCount}.");
        }

        _retries = 0;
        if (Options.KeepOnlyImprovements)
        {
            RestoreBest();
        }

        return Grow(GrowthReason.Grew, $"{why}: best weights restored and one dendrite set added to every wrapped layer.", learningRate);
    }

    private Outcome Grow(GrowthReason reason, string message, double? learningRate)
    {
        var cascade = Options.Training == DendriteTrainingMode.CascadeCorrelation;
        var pool = cascade ? Options.CascadeCorrelation.PoolSize : 1;
        var before = _model.DendriteCount;
        var added = _model.AddDendrites(pool);
        double? correlation = null;
        IReadOnlyList<Parameter> fresh = added;
        if (cascade)
        {
            CandidateTrainingResult result;
            try
            {
                result = _model.TrainCandidates(Options.CandidateLosses!, Options.CascadeCorrelation, (epoch, s) => GrowthLog.CandidateEpoch(_logger, epoch, s));
            }
            catch
            {
                // A failing CandidateLosses delegate must not leave half-trained candidates behind: the model goes back
                // to the structure and weights it had before this growth step (the trainer already restored
                // requires_grad), and the exception reaches the caller.
                while (_model.DendriteCount > before)
                {
                    _model.RemoveLastDendrites();
                }

                throw;
            }

            correlation = result.Correlation;
            if (result.BestSingleCandidate is { } single)
            {
                GrowthLog.PoolInstalled(_logger, result.PoolSize, correlation.Value, single);
                message += string.Create(CultureInfo.InvariantCulture, $" A pool of {result.PoolSize} candidates per layer trained by cascade-correlation; per neuron the best one was kept (S = {correlation.Value:G4}, best single candidate {single:G4}), frozen and connected.");
            }
            else
            {
                message += string.Create(CultureInfo.InvariantCulture, $" Candidates trained by cascade-correlation to S = {correlation.Value:G4}, frozen and connected.");
            }

            GrowthLog.CandidatesConnected(_logger, correlation.Value);

            // With a pool, most of the added sets are gone again; the kept ones are the newest of every layer.
            fresh = _model.NewestParameters().Where(p => p.requires_grad).ToList();
        }

        Phase = GrowthPhase.Grown;
        _sinceChange = 0;
        _improvedSinceChange = false;
        _plateau.Restart();
        var low = learningRate is { } lr && lr < Options.LowLearningRateWarning;
        if (low)
        {
            GrowthLog.LowLearningRate(_logger, learningRate!.Value, Options.LowLearningRateWarning);
            message += " Warning: the learning rate is near zero, so the new dendrites will barely train.";
        }

        return new Outcome(GrowthAction.DendritesAdded, reason, message) { NewParameters = fresh, LowLearningRate = low, Correlation = correlation };
    }

    private Outcome Complete(GrowthReason reason, bool restore, string message)
    {
        if (restore)
        {
            RestoreBest();
        }

        Phase = GrowthPhase.Completed;
        return new Outcome(GrowthAction.Completed, reason, message);
    }

    private void CaptureBest()
    {
        _bestDendriteCount = _model.DendriteCount;
        _best.Capture();
    }

    /// <summary>Removes the sets added since the best capture and copies the best weights back.</summary>
    private void RestoreBest()
    {
        while (_model.DendriteCount > _bestDendriteCount)
        {
            _model.RemoveLastDendrites();
        }

        _best.Restore();
    }

    private void Log(GrowthDecision d)
    {
        var (v, s, b, n, m) = (d.Validation, d.Score, d.BestScore, d.DendriteCount, d.Message);
        switch (d.Reason)
        {
            case GrowthReason.FirstScore: GrowthLog.FirstScore(_logger, v, s, b, n, m); break;
            case GrowthReason.Improved: GrowthLog.Improved(_logger, v, s, b, n, m); break;
            case GrowthReason.NoImprovement: GrowthLog.NoImprovement(_logger, v, s, b, n, m); break;
            case GrowthReason.Cooldown: GrowthLog.Cooldown(_logger, v, s, b, n, m); break;
            case GrowthReason.Grew: GrowthLog.Grew(_logger, v, s, b, n, m); break;
            case GrowthReason.Retried: GrowthLog.Retried(_logger, v, s, b, n, m); break;
            case GrowthReason.RetriesExhausted: GrowthLog.RetriesExhausted(_logger, v, s, b, n, m); break;
            case GrowthReason.MaxDendritesReached: GrowthLog.MaxDendritesReached(_logger, v, s, b, n, m); break;
            default: GrowthLog.EarlyStopped(_logger, v, s, b, n, m); break;
        }
    }

    private sealed record Outcome(GrowthAction Action, GrowthReason Reason, string Message)
    {
        public IReadOnlyList<Parameter> NewParameters { get; init; } = Array.Empty<Parameter>();

        public bool LowLearningRate { get; init; }

        public double? Correlation { get; init; }
    }
}
