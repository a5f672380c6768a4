using System;
using System.Collections.Generic;
using System.Globalization;
using TorchSharp.Modules;

namespace Dendritic;

/// <summary>What <see cref="GrowthScheduler.Step"/> decided, why, and what the caller has to do about it.</summary>
public sealed record GrowthDecision
{
    /// <summary>What happened to the model.</summary>
    public GrowthAction Action { get; init; }

    /// <summary>Why.</summary>
    public GrowthReason Reason { get; init; }

    /// <summary>A one-line explanation, the same text the scheduler logs.</summary>
    public string Message { get; init; } = string.Empty;

    /// <summary>1-based number of this validation call.</summary>
    public int Validation { get; init; }

    /// <summary>The score passed in, in the caller's score units; direction per <see cref="GrowthOptions.Mode"/>.</summary>
    public double Score { get; init; }

    /// <summary>The score the decision used (equal to <see cref="Score"/> unless smoothing is on), in the caller's score units; direction per <see cref="GrowthOptions.Mode"/>.</summary>
    public double SmoothedScore { get; init; }

    /// <summary>The best (smoothed) score so far, after this call, in the caller's score units; direction per <see cref="GrowthOptions.Mode"/>; after a first score that is not counted (<see cref="GrowthOptions.FirstScoreIsBest"/> false), that score itself.</summary>
    public double BestScore { get; init; }

    /// <summary>
    /// Whether this score became the best score (<see cref="BestScore"/> changed): true with
    /// <see cref="GrowthReason.Improved"/>, false with <see cref="GrowthReason.CycleBest"/> (a best of the current cycle
    /// only), and true for the first counted score. False for a first score that is not counted.
    /// </summary>
    public bool IsNewBest { get; init; }

    /// <summary>Non-improving validations counted so far against the patience.</summary>
    public int BadValidations { get; init; }

    /// <summary>Failed growth attempts of the current growth step so far.</summary>
    public int Retries { get; init; }

    /// <summary>Dendrite sets per wrapped layer after this call.</summary>
    public int DendriteCount { get; init; }

    /// <summary>The scheduler's phase after this call.</summary>
    public GrowthPhase Phase { get; init; }

    /// <summary>
    /// Parameters that did not exist before and are trainable now (empty unless <see cref="Action"/> is
    /// <see cref="GrowthAction.DendritesAdded"/>). A materialised list: safe to hand to an optimizer.
    /// </summary>
    public IReadOnlyList<Parameter> NewParameters { get; init; } = Array.Empty<Parameter>();

    /// <summary>
    /// Every parameter of the model that requires gradients after this call (a materialised list). After
    /// <see cref="GrowthAction.DendritesAdded"/>, and whenever <see cref="RebuildOptimizer"/> is true, build the new
    /// optimizer from it: old parameter objects may be gone.
    /// </summary>
    public IReadOnlyList<Parameter> TrainableParameters { get; init; } = Array.Empty<Parameter>();

    /// <summary>
    /// The learning rate to use from now on: the one passed in, times <see cref="GrowthOptions.LearningRateRestartFactor"/>
    /// after an architecture change. Null when no rate was passed.
    /// </summary>
    public double? LearningRate { get; init; }

    /// <summary>True when growth happened at a learning rate below <see cref="GrowthOptions.LowLearningRateThreshold"/> (warning 3010).</summary>
    public bool IsLearningRateLow { get; init; }

    /// <summary>For cascade-correlation growth: the summed correlation S the candidates reached; otherwise null.</summary>
    public double? CandidateCorrelation { get; init; }

    /// <summary>
    /// Whether the caller must rebuild its optimizer from <see cref="TrainableParameters"/> because the model's trainable
    /// parameters changed: after a growth step (<see cref="GrowthAction.DendritesAdded"/>), and after a completion that
    /// removed dendrite sets (those added since the best score; <see cref="GrowthReason.RetriesExhausted"/> and
    /// <see cref="GrowthReason.MaxDendritesReached"/> usually do). An optimizer built before such a completion still
    /// holds the removed sets' parameters, which are disposed: its next step throws. A loop that stops at completion
    /// may skip that rebuild; one that trains on (fine-tuning the best model) must not.
    /// </summary>
    public bool RebuildOptimizer => Action == GrowthAction.DendritesAdded || SetsRemoved;

    /// <summary>Set by the scheduler when this call removed dendrite sets without adding any (a completion).</summary>
    internal bool SetsRemoved { get; init; }

    /// <summary>Whether training is over (the best model is in place).</summary>
    public bool IsCompleted => Action == GrowthAction.Completed;

    /// <summary>
    /// One line for logs and consoles: action, reason, validation, scores, dendrite sets and the parameter lists as
    /// counts (the record's generated text would print their type names), then <see cref="Message"/>.
    /// </summary>
    /// <returns>For example "DendritesAdded (Grew) at validation 9: score 0.91, best 0.92, ...".</returns>
    public override string ToString()
    {
        var rate = LearningRate is { } value ? ", learning rate " + value.ToString("G3", CultureInfo.InvariantCulture) : string.Empty;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Action} ({Reason}) at validation {Validation}: score {Score:G6}, best {BestScore:G6}, {BadValidations} bad, {DendriteCount} dendrite set(s), phase {Phase}, {Retries} retries, {NewParameters.Count} new and {TrainableParameters.Count} trainable parameter(s){rate}. {Message}");
    }
}
