using System;
using System.Collections.Generic;
using System.Diagnostics;
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
    private readonly UntrainedDendritesWatch _untrainedWatch = new();
    private readonly BestWeightsStore _best;
    private GrowthPolicyState _state = new();

    internal GrowthScheduler(IGrowthModel model, GrowthOptions? options, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        Options = (options ?? GrowthOptions.Default).Validate();
        _logger = logger ?? NullLogger.Instance;
        _best = BestWeightsStore.For(Options, model);
    }

    /// <summary>The validated options.</summary>
    public GrowthOptions Options { get; }

    /// <summary>
    /// Wraps the creation of new dendrite sets, where their random initial values are drawn; null creates them directly.
    /// Data parallelism on threads of one process seeds and serialises the draw through it (DistributedGrowthScheduler).
    /// </summary>
    internal Func<Func<IReadOnlyList<Parameter>>, IReadOnlyList<Parameter>>? DrawScope { get; set; }

    /// <summary>Where the scheduler is: <see cref="GrowthPhase.Initial"/> until the first growth step.</summary>
    public GrowthPhase Phase => _state.Phase;

    /// <summary>Whether training is complete; <see cref="Step"/> throws from then on.</summary>
    public bool IsCompleted => Phase == GrowthPhase.Completed;

    /// <summary>The validations (scores given to <see cref="Step"/>) counted so far, those of a resumed run included.</summary>
    internal int Validations => _state.Validations;

    /// <summary>The best (smoothed) score so far, in the caller's score units; direction per <see cref="GrowthOptions.Mode"/>; null before the first call.</summary>
    public double? BestScore => _state.Best;

    /// <summary>Dendrite sets per wrapped layer now.</summary>
    public int DendriteCount => _model.DendriteCount;

    /// <summary>Every validation seen, with CSV and SVG output.</summary>
    public GrowthHistory History { get; } = new();

    /// <summary>
    /// The optimizer <see cref="Fit"/> trains with, built by the factory passed to it; for a progress handler that saves
    /// checkpoints (<see cref="SaveCheckpoint"/>). Null before the first Fit, and whenever a change of the model has made
    /// it out of date: a growth step or retry (Fit builds the next one from the decision before it trains again), or a
    /// completion or <see cref="Finish"/> that removed dendrite sets (it held their parameters); a change through the
    /// handle (sets added, removed or pruned) is noticed by the next Fit, which replaces it. The scheduler owns it and
    /// disposes it then, so read it when you need it rather than keep it. A loop of your own that calls <see cref="Step"/>
    /// never sets it: rebuild your optimizer when <see cref="GrowthDecision.RebuildOptimizer"/> says so.
    /// </summary>
    public optim.Optimizer? Optimizer { get; private set; }

    /// <summary>
    /// Reports one validation score and applies the decision: restores the best weights and grows, reverts and
    /// retries, or completes. Call it after each validation pass. It may run inside a <c>torch.NewDisposeScope()</c>:
    /// what it keeps (new dendrite sets, the best-weights copy) leaves the scope, so disposing the scope frees none of it.
    /// It never builds an optimizer: when <see cref="GrowthDecision.RebuildOptimizer"/> is true, rebuild yours from
    /// <see cref="GrowthDecision.TrainableParameters"/> (or let <see cref="Fit"/> run the loop).
    /// </summary>
    /// <param name="score">The validation score; finite. Higher is better unless <see cref="GrowthOptions.Mode"/> is Minimize.</param>
    /// <param name="learningRate">The optimizer's current learning rate, for the history, the restart factor and the low-rate warning; optional, finite and &gt;= 0.</param>
    /// <param name="epochTime">How long the epoch took, for the history; optional, not negative.</param>
    /// <remarks>
    /// With an <see cref="ActivationMonitor"/> on the handle, the history row also gets the activation statistics of
    /// the window since the previous call: the monitor's last <see cref="ActivationMonitor.Collect"/>, or a collection
    /// made here when there was none.
    /// </remarks>
    /// <returns>The decision.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A NaN or infinite score, or a bad learning rate or time.</exception>
    /// <exception cref="InvalidOperationException">
    /// Training is already complete, the run has counted 2147483646 validations (the most a scheduler counts), the handle was unwrapped (<see cref="DendriticModel.Unwrap"/>), or every wrapped
    /// layer has its dendrites switched off (<see cref="DendriticModel.Enabled"/> false, as inside
    /// <see cref="DendriticModel.Disable"/>). With only some switched off, a growth into them is logged as warning 3021.
    /// In cascade-correlation training, also when <see cref="GrowthOptions.CandidateLosses"/> returns a collection of
    /// more than one loss (return a lazy sequence), or a wrapped layer runs more than once per loss (use
    /// <see cref="DendriteTrainingMode.GradientDescent"/> for a model that calls a layer more than once per forward).
    /// </exception>
    public GrowthDecision Step(double score, double? learningRate = null, TimeSpan? epochTime = null)
    {
        ThrowIfUnwrapped();
        if (IsCompleted)
        {
            throw new InvalidOperationException($"Training is already complete ({(BestScore is { } best ? "best score " + best.ToString("R", CultureInfo.InvariantCulture) : "no best score")}): the best model is in place. Build a new GrowthScheduler to train again.");
        }

        if (_state.Validations >= GrowthPolicy.MaxValidations)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"This run has counted {_state.Validations} validations, the most a scheduler counts: another would overflow its counters. Call Finish to restore the best model, or build a new GrowthScheduler to train on."));
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

        var switchedOff = _model.SwitchedOffLayers;
        if (switchedOff.Count > 0 && switchedOff.Count == _model.LayerNames.Count)
        {
            // The score measured the model without its dendrites, and sets grown now would never run: every decision
            // from here on would be about a model nobody trains.
            throw new InvalidOperationException($"Step was called while the dendrites of every wrapped layer are switched off (handle.Enabled = false, or inside handle.Disable()), so the score measures the model without dendrites and sets grown now would never run. Switch them on (handle.Enabled = true, or end the Disable() scope) before the training and validation whose score you pass to Step; a comparison without dendrites needs no scheduler.");
        }

        var startsWithSets = _state.Validations == 0 && _model.DendriteCount > 0;
        if (startsWithSets)
        {
            // WrapOptions.InitialDendrites defaults to 1: a run meant to grow from none starts with a set it never chose.
            GrowthLog.StartsWithDendrites(_logger, _model.DendriteCount, Options.MaxDendrites);
        }

        // The optimizer state saved with a resumed checkpoint is out of date once training goes on without Fit.
        _savedOptimizer = null;
        var untrained = _untrainedWatch.Check();
        var measuredPhase = Phase;
        var measuredDendrites = _model.DendriteCount;
        var measuredParameters = _model.ParameterCount;
        var activations = _model.TakeActivations();
        var bestBefore = _state.Best;
        var plan = GrowthPolicy.Decide(_state, score, learningRate, measuredDendrites, Options);
        var (message, fresh, correlation) = CarryOut(plan, learningRate);
        _state = plan.Next;
        if (startsWithSets)
        {
            // In the decision too (as warnings 3016 and 3017 are): without a logger, the event alone goes unseen.
            message += string.Create(CultureInfo.InvariantCulture, $" Note: the run starts with {measuredDendrites} dendrite set(s) per layer, which count towards MaxDendrites ({Options.MaxDendrites}); wrap with WrapOptions.InitialDendrites = 0 for the scheduler to add every set.");
        }

        if (untrained.Untrained)
        {
            GrowthLog.UntrainedDendrites(_logger, _state.Validations, untrained.Count, untrained.GrewAt);
            message += $" Warning: the dendrites added at validation {untrained.GrewAt} have not changed since; rebuild the optimizer from GrowthDecision.TrainableParameters after every growth.";
        }

        if (plan.Grow && History.Entries.All(e => e.Action != GrowthAction.DendritesAdded)
            && History.Entries.Select(e => e.Score).Append(score).ToList() is var scores && ScoreDirectionCheck.TrendsWrongWay(scores, Options.Mode))
        {
            var other = Options.Mode == ScoreMode.Maximize ? ScoreMode.Minimize : ScoreMode.Maximize;
            GrowthLog.ScoreGettingWorse(_logger, _state.Validations, scores.Count, scores[0], score, Options.Mode, other);
            message += string.Create(CultureInfo.InvariantCulture, $" Warning: no score since the first was better than it under Mode {Options.Mode}, and they moved the other way ({scores[0]:G6} to {score:G6}); {(Options.Mode == ScoreMode.Maximize ? "if lower is better (a loss)" : "if higher is better (an accuracy)")}, set GrowthOptions.Mode = {other}; otherwise the model got worse from the start (over-fitting, or too high a learning rate) or is not learning.");
        }

        if (plan.Grow && switchedOff.Count > 0)
        {
            var names = string.Join(", ", switchedOff.Select(n => $"'{n}'"));
            GrowthLog.GrewSwitchedOff(_logger, _state.Validations, names);
            message += $" Warning: the layers {names} have their dendrites switched off; their new sets will not run or train until switched on.";
        }

        if (plan.Grow)
        {
            _untrainedWatch.Start(fresh, _state.Validations);
        }

        var value = plan.SmoothedScore;
        History.Add(new GrowthHistoryEntry
        {
            Validation = _state.Validations,
            Score = score,
            SmoothedScore = value,
            BestScore = _state.Best ?? value,
            Phase = measuredPhase,
            Action = plan.Action,
            Reason = plan.Reason,
            LearningRate = learningRate,
            DendriteCount = measuredDendrites,
            ParameterCount = measuredParameters,
            EpochSeconds = epochTime?.TotalSeconds,
            Activations = activations,
        });

        var decision = new GrowthDecision
        {
            Action = plan.Action,
            Reason = plan.Reason,
            Message = message,
            Validation = _state.Validations,
            Score = score,
            SmoothedScore = value,
            BestScore = _state.Best ?? value,
            IsNewBest = _state.Best != bestBefore,
            BadValidations = _state.BadValidations,
            Retries = _state.Retries,
            DendriteCount = _model.DendriteCount,
            Phase = Phase,
            NewParameters = fresh,
            TrainableParameters = plan.Action == GrowthAction.NoChange ? Array.Empty<Parameter>() : _model.TrainableParameters(),
            LearningRate = plan.Grow && learningRate is { } lr && Options.LearningRateRestartFactor is { } factor ? lr * factor : learningRate,
            IsLearningRateLow = plan.IsLearningRateLow,
            CandidateCorrelation = correlation,

            // The restore of a completion drops the sets added since the best score; their parameters are disposed.
            SetsRemoved = plan.Action == GrowthAction.Completed && _model.DendriteCount < measuredDendrites,
        };
        Log(decision, measuredDendrites);
        if (plan.Grow)
        {
            // Fit's optimizer does not hold the new sets; Fit builds the next one from this decision.
            DropOptimizer();
        }

        return decision;
    }

    /// <summary>Fails fast, as the handle's own methods do, when the model was unwrapped under this scheduler.</summary>
    private void ThrowIfUnwrapped() => (_model as WrappedGrowthModel)?.Handle.ThrowIfUnwrapped();

    /// <summary>The one place that changes the model: capture, restore, grow, in this order.</summary>
    private (string Message, IReadOnlyList<Parameter> Fresh, double? Correlation) CarryOut(GrowthPlan plan, double? learningRate)
    {
        if (plan.CaptureBest)
        {
            _best.Capture();
        }

        if (plan.RestoreBest)
        {
            RestoreBestModel(plan.Next.BestDendriteCount);
        }

        if (!plan.Grow)
        {
            return (plan.Message, Array.Empty<Parameter>(), null);
        }

        IReadOnlyList<Parameter> fresh;
        double? correlation = null;
        var message = plan.Message;
        try
        {
            (fresh, correlation, message) = AddDendrites(message);
        }
        catch
        {
            // The score was seen; the growth did not happen.
            _state = plan.Observed;
            throw;
        }

        if (plan.IsLearningRateLow)
        {
            GrowthLog.LowLearningRate(_logger, learningRate!.Value, Options.LowLearningRateThreshold);
            message += " Warning: the learning rate is near zero, so the new dendrites will barely train.";
        }

        return (message, fresh, correlation);
    }

    /// <summary>
    /// Copies the best weights back, with the dendrite counts they were captured at (the sets added since go). Checks
    /// first that there are weights to copy and that they fit, so that a failure leaves the model as it was. When sets go, <see cref="Optimizer"/> (which
    /// holds their parameters) is dropped; Fit builds the next one when it trains again.
    /// </summary>
    /// <exception cref="InvalidOperationException">No best weights were captured or imported (a state imported without them).</exception>
    private void RestoreBestModel(int bestDendriteCount)
    {
        if (!_best.HasWeights)
        {
            throw new InvalidOperationException(Options.BestWeightsDirectory is { } directory
                ? $"No best weights to restore: BestWeightsDirectory ('{directory}') holds no best.dendrites. Resume on the machine that wrote it, or copy it there first; the model was left as it was."
                : "No best weights to restore: the scheduler state was imported without them (GrowthScheduler.Resume imports both); the model was left as it was.");
        }

        var removing = _model.DendriteCount > bestDendriteCount;

        // The stored weights carry their own dendrite counts, and restoring them checks that they fit before it adds or
        // removes a set: a file that does not fit (another run's best weights) then leaves the model as it was. Sets
        // are removed here only for a model whose restore does not resize.
        _best.Restore();
        while (_model.DendriteCount > bestDendriteCount)
        {
            _model.RemoveLastDendrites();
        }

        if (removing)
        {
            DropOptimizer();
        }
    }

    /// <summary>
    /// Disposes and forgets <see cref="Optimizer"/> once a change of the model has made it out of date. Only Fit sets it,
    /// with an optimizer its factory built for it, so the scheduler is its owner: nobody else disposes it, and an
    /// optimizer dropped without disposing would hold its moments (two per parameter for Adam) until a finalizer ran.
    /// </summary>
    private void DropOptimizer()
    {
        Optimizer?.Dispose();
        Optimizer = null;
    }

    private (IReadOnlyList<Parameter> Fresh, double? Correlation, string Message) AddDendrites(string message)
    {
        var cascade = Options.Training == DendriteTrainingMode.CascadeCorrelation;
        var pool = cascade ? Options.CascadeCorrelation.PoolSize : 1;
        var before = _model.DendriteCount;
        var added = DrawScope is { } scope ? scope(() => _model.AddDendrites(pool)) : _model.AddDendrites(pool);
        if (!cascade)
        {
            return (added, null, message);
        }

        GrowthLog.CandidatesStarted(_logger, _model.LayerDendrites.Count, pool, Options.CascadeCorrelation.MaxEpochs, Options.CascadeCorrelation.Patience);
        var started = Stopwatch.GetTimestamp();
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

        var correlation = result.Correlation;
        if (result.BestSingleCandidate is { } single)
        {
            GrowthLog.PoolInstalled(_logger, result.PoolSize, correlation, single);
            message += string.Create(CultureInfo.InvariantCulture, $" A pool of {result.PoolSize} candidates per layer trained by cascade-correlation; per neuron the best one was kept (S = {correlation:G4}, best single candidate {single:G4}), frozen and connected.");
        }
        else
        {
            message += string.Create(CultureInfo.InvariantCulture, $" Candidates trained by cascade-correlation to S = {correlation:G4}, frozen and connected.");
        }

        var seconds = Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 3);
        GrowthLog.CandidatesConnected(_logger, result.Epochs, seconds, correlation, string.Join(", ", result.LayerCorrelations.Select(c => c.ToString("G4", CultureInfo.InvariantCulture))));
        message += WarnIfUncorrelated(result);

        // With a pool, most of the added sets are gone again; the kept ones are the newest of every layer.
        return (_model.NewestParameters().Where(p => p.requires_grad).ToList(), correlation, message);
    }

    /// <summary>Warns (3020) about layers whose candidates learned nothing; returns the decision message's part ("" when none).</summary>
    private string WarnIfUncorrelated(CandidateTrainingResult result)
    {
        var layers = result.UncorrelatedLayers().ToList();
        if (layers.Count == 0)
        {
            return string.Empty;
        }

        var names = string.Join(", ", layers.Select(l => string.Create(CultureInfo.InvariantCulture, $"{(_model.LayerNames[l] is { Length: > 0 } name ? $"'{name}'" : "the model itself")} (S = {result.LayerCorrelations[l]:G4})")));
        GrowthLog.CandidatesUncorrelated(_logger, layers.Count, _model.LayerNames.Count, names, CandidateTrainingResult.NoCorrelationLevel);
        return $" Warning: the candidates of {names} learned no correlation with their layer's error: its inputs are constant (e.g. dead ReLUs before it) or no error reaches it; see log event 3020.";
    }

    /// <summary>Logs the decision; <paramref name="scored"/> is the sets per layer the score was measured with.</summary>
    private void Log(GrowthDecision d, int scored)
    {
        var (v, s, b, n, m) = (d.Validation, d.Score, d.BestScore, d.DendriteCount, d.Message);
        switch (d.Reason)
        {
            case GrowthReason.FirstScore: GrowthLog.FirstScore(_logger, v, s, n, m); break;
            case GrowthReason.Improved: GrowthLog.Improved(_logger, v, s, b, n, m); break;
            case GrowthReason.CycleBest: GrowthLog.CycleBest(_logger, v, s, b, n, m); break;
            case GrowthReason.NoImprovement: GrowthLog.NoImprovement(_logger, v, s, b, n, m); break;
            case GrowthReason.Cooldown: GrowthLog.Cooldown(_logger, v, s, b, n, m); break;
            case GrowthReason.Grew: GrowthLog.Grew(_logger, v, s, scored, b, n, m); break;
            case GrowthReason.Retried: GrowthLog.Retried(_logger, v, s, scored, b, n, m); break;
            case GrowthReason.RetriesExhausted: GrowthLog.RetriesExhausted(_logger, v, s, scored, b, n, m); break;
            case GrowthReason.MaxDendritesReached: GrowthLog.MaxDendritesReached(_logger, v, s, scored, b, n, m); break;
            default: GrowthLog.EarlyStopped(_logger, v, s, scored, b, n, m); break;
        }
    }
}
