using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Settings of the <see cref="GrowthScheduler"/>. Immutable (the lists are copied when set); checked once by
/// <see cref="Validate"/> when the scheduler is built. The plateau semantics follow PyTorch's ReduceLROnPlateau and Keras' callbacks; the exact
/// rules are in docs/growth-scheduler.md.
/// </summary>
public sealed record GrowthOptions
{
    /// <summary>Whether higher or lower scores are better. Default <see cref="ScoreMode.Maximize"/>.</summary>
    public ScoreMode Mode { get; init; } = ScoreMode.Maximize;

    /// <summary>When to switch architecture. Default <see cref="GrowthTrigger.OnPlateau"/>.</summary>
    public GrowthTrigger Trigger { get; init; } = GrowthTrigger.OnPlateau;

    /// <summary>
    /// Non-improving validations that declare a plateau: when their count reaches it (with
    /// <see cref="PlateauAtPatience"/>, the default; then at least 1) or exceeds it (without; then 0 switches at the
    /// first non-improving score). Counts validation calls, not epochs. Default 10.
    /// </summary>
    public int Patience { get; init; } = 10;

    /// <summary>
    /// For <see cref="GrowthTrigger.EveryN"/>: switch every this many validations, counted from the start or the last
    /// growth step. Default 10; at least 1.
    /// </summary>
    public int Interval { get; init; } = 10;

    /// <summary>
    /// Relative improvement needed, as a fraction of |best score|. Default 1e-4 (ReduceLROnPlateau's default); at least 0.
    /// A score improves when it beats the best by more than max(RelativeThreshold·|best|, AbsoluteThreshold).
    /// </summary>
    public double RelativeThreshold { get; init; } = 1e-4;

    /// <summary>Absolute improvement needed, in score units (Keras' <c>min_delta</c>). Default 0; at least 0.</summary>
    public double AbsoluteThreshold { get; init; }

    /// <summary>
    /// Optional per-architecture relative thresholds: element k applies while the model has k dendrite sets per
    /// layer (the last element beyond the list). Null (default) uses <see cref="RelativeThreshold"/> throughout. The
    /// list is copied when set, so changing yours afterwards changes nothing here.
    /// </summary>
    public IReadOnlyList<double>? RelativeThresholdByDendrites { get; init => field = ValueList<double>.CopyOf(value); }

    /// <summary>
    /// Optional per-architecture absolute thresholds, indexed like <see cref="RelativeThresholdByDendrites"/>. Default
    /// null. Copied when set, as that one is.
    /// </summary>
    public IReadOnlyList<double>? AbsoluteThresholdByDendrites { get; init => field = ValueList<double>.CopyOf(value); }

    /// <summary>
    /// Exponential smoothing factor α of the scores the decisions use: s_t = α·s_{t-1} + (1-α)·score_t, seeded with the
    /// first real score (and re-seeded after each architecture change), never with zero. 0 (default) disables it;
    /// must be in [0, 1).
    /// </summary>
    public double Smoothing { get; init; }

    /// <summary>
    /// Whether the plateau fires when the count of non-improving validations reaches <see cref="Patience"/> (true, as
    /// perforatedai's <c>n_epochs_to_switch</c>: <c>epochs - last_improved &gt;= n</c>) rather than when it exceeds it
    /// (false, as ReduceLROnPlateau). With true, <see cref="Patience"/> must be at least 1. Default true (chosen on
    /// the evidence in docs/parity.md).
    /// </summary>
    public bool PlateauAtPatience { get; init; } = true;

    /// <summary>
    /// Whether patience is counted against the best score of the current cycle (since the start or the last
    /// architecture change) rather than the global best. True (as perforatedai's <c>reset_vals_for_score_reset</c> and
    /// <c>check_new_best</c>): after each growth step the cycle's best is reset, the first score of the new cycle is its
    /// best, and every later score that beats the cycle's best restarts the count, so a growth step keeps training while
    /// it still improves on itself. Either way a growth step is kept only if one of its scores beats the global best.
    /// Default true (chosen on the evidence in docs/parity.md); false counts patience against the global best.
    /// </summary>
    public bool PatienceAgainstCycleBest { get; init; } = true;

    /// <summary>
    /// Whether the very first score is taken as the best. False (the default, as perforatedai, whose
    /// <c>check_new_best</c> never counts epoch 0): the first score's weights are kept only as a fallback, it counts
    /// neither as best nor against the patience, and the second score becomes the best whatever its value.
    /// </summary>
    public bool FirstScoreIsBest { get; init; }

    /// <summary>Validations after each growth step during which non-improving scores are not counted. Default 0; at least 0.</summary>
    public int Cooldown { get; init; }

    /// <summary>
    /// Most dendrite sets per layer; a plateau at this count completes training. Default 4; at least 0 (0: no growth;
    /// to stop early without growth use <see cref="GrowthTrigger.Never"/>, the early stopper, which also needs no
    /// <see cref="CandidateLosses"/> and reports <see cref="GrowthReason.EarlyStopped"/>).
    /// </summary>
    public int MaxDendrites { get; init; } = 4;

    /// <summary>
    /// Fresh attempts after a growth step that never beat the best score (each one reverts to the best model and adds
    /// new random dendrites); when they are used up, training completes with the best model. Default 2; at least 0.
    /// </summary>
    public int MaxRetries { get; init; } = 2;

    /// <summary>
    /// Whether a growth step that never beats the best score is reverted (default true). When false every growth step
    /// is kept, weights are not restored before growing, and training completes only at <see cref="MaxDendrites"/>.
    /// </summary>
    public bool KeepOnlyImprovements { get; init; } = true;

    /// <summary>How new dendrites train. Default <see cref="DendriteTrainingMode.GradientDescent"/>.</summary>
    public DendriteTrainingMode Training { get; init; } = DendriteTrainingMode.GradientDescent;

    /// <summary>Candidate training settings for <see cref="DendriteTrainingMode.CascadeCorrelation"/>.</summary>
    public CascadeCorrelationOptions CascadeCorrelation { get; init; } = CascadeCorrelationOptions.Default;

    /// <summary>
    /// Optional learning-rate restart after each architecture change: the suggested rate becomes the current rate times
    /// this factor (e.g. 10 undoes one ReduceLROnPlateau step). Null (default) keeps the current rate. Must be &gt; 0.
    /// </summary>
    public double? LearningRateRestartFactor { get; init; }

    /// <summary>
    /// A warning is logged (event 3010, and <see cref="GrowthDecision.IsLearningRateLow"/> set) when growth happens while
    /// the learning rate passed to <see cref="GrowthScheduler.Step"/> is below this. Default 1e-6; at least 0 (0 disables it).
    /// </summary>
    /// <remarks>
    /// Stored in a checkpoint's scheduler state under its former name, <c>LowLearningRateWarning</c>, so that states
    /// written before the rename keep their value (and Resume does not see a difference from the options of their run).
    /// </remarks>
    [JsonPropertyName("LowLearningRateWarning")]
    public double LowLearningRateThreshold { get; init; } = 1e-6;

    /// <summary>
    /// Where the scheduler keeps the weights of the best score. Null (the default): in memory, a detached copy on the
    /// model's device. A folder (created if missing): on disk, as the checkpoint <c>best.dendrites</c> in it, with
    /// nothing extra in memory; not empty or blank. One folder per run: two runs given the same one overwrite each
    /// other's file.
    /// </summary>
    public string? BestWeightsDirectory { get; init; }

    /// <summary>
    /// Required for <see cref="DendriteTrainingMode.CascadeCorrelation"/> (unless <see cref="Trigger"/> is
    /// <see cref="GrowthTrigger.Never"/>): enumerates one training pass, yielding the loss of each batch as computed by a
    /// forward pass of the model (e.g. <c>() =&gt; batches.Select(b =&gt; loss(model.call(b.X), b.Y))</c>). Candidates
    /// train on these; the scheduler calls backward itself. It runs with gradients on, even from a Step inside
    /// <c>no_grad()</c>, and the model's forward may use a dispose scope of its own. Tensors created while it runs are
    /// disposed after each batch, so it must not keep them. Each batch's activations are paired with that batch's
    /// error, so each forward must run just before its backward: return a lazy sequence (a <c>Select</c> over the
    /// batches, or an iterator that yields each loss right after its forward), not an array or a list; a collection of
    /// more than one loss, or a wrapped layer run more than once per loss (shared weights; use
    /// <see cref="DendriteTrainingMode.GradientDescent"/> for such a model), throws <see cref="InvalidOperationException"/>
    /// when the candidates train. Default null. Not serialised with the scheduler state.
    /// </summary>
    [JsonIgnore]
    public Func<IEnumerable<Tensor>>? CandidateLosses { get; init; }

    /// <summary>The options every scheduler gets unless told otherwise.</summary>
    public static GrowthOptions Default { get; } = new();

    /// <summary>
    /// The decision rules of the original perforatedai 3.0.5 (gradient-descent dendrites), with its defaults:
    /// plateau when patience is reached (<c>n_epochs_to_switch</c> 10), patience against the cycle's best, the first
    /// score never the best, relative thresholds 1e-3, 1e-4, 0 by dendrite count with a raw threshold of 1e-5,
    /// 100 dendrite sets at most, 2 retries (<c>max_dendrite_tries</c>). Pair it with
    /// <see cref="DendriteOptions.PerforatedAICompatible"/> for the original's dendrite initialisation.
    /// docs/parity.md lists each rule, the original's function and what it changes on the pilot.
    /// </summary>
    public static GrowthOptions PerforatedAICompatible { get; } = new()
    {
        Patience = 10,
        PlateauAtPatience = true,
        PatienceAgainstCycleBest = true,
        FirstScoreIsBest = false,
        RelativeThresholdByDendrites = new[] { 1e-3, 1e-4, 0 },
        AbsoluteThreshold = 1e-5,
        MaxDendrites = 100,
        MaxRetries = 2,
    };

    /// <summary>Checks every value, and the nested <see cref="CascadeCorrelation"/> options, and reports all invalid ones at once.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="InvalidOptionsException">One or more values are invalid; the exception lists each.</exception>
    public GrowthOptions Validate()
    {
        var check = new OptionsValidator(nameof(GrowthOptions));
        Collect(check);
        check.ThrowIfInvalid();
        return this;
    }

    /// <summary>Adds every invalid value to <paramref name="check"/>, for a record that holds these options (reported as <c>Prefix.Name</c>).</summary>
    internal void Collect(OptionsValidator check)
    {
        check.Defined(Mode, nameof(Mode));
        check.Defined(Trigger, nameof(Trigger));
        check.Defined(Training, nameof(Training));
        check.Require(
            Patience >= (PlateauAtPatience ? 1 : 0),
            nameof(Patience),
            Patience,
            $"must be at least {(PlateauAtPatience ? "1 with PlateauAtPatience (set PlateauAtPatience = false to grow on the first bad score with 0)" : "0")} (default {Default.Patience})");
        check.AtLeast(Interval, 1, nameof(Interval), Default.Interval);
        check.AtLeast(Cooldown, 0, nameof(Cooldown), Default.Cooldown);
        check.AtLeast(MaxDendrites, 0, nameof(MaxDendrites), Default.MaxDendrites);
        check.AtLeast(MaxRetries, 0, nameof(MaxRetries), Default.MaxRetries);
        check.FiniteAtLeast(RelativeThreshold, 0, nameof(RelativeThreshold), Default.RelativeThreshold);
        check.FiniteAtLeast(AbsoluteThreshold, 0, nameof(AbsoluteThreshold), Default.AbsoluteThreshold);
        CheckList(check, RelativeThresholdByDendrites, nameof(RelativeThresholdByDendrites));
        CheckList(check, AbsoluteThresholdByDendrites, nameof(AbsoluteThresholdByDendrites));
        check.Require(double.IsFinite(Smoothing) && Smoothing >= 0 && Smoothing < 1, nameof(Smoothing), Smoothing, "must be in [0, 1) (default 0 = off)");
        check.Require(
            LearningRateRestartFactor is not { } factor || (double.IsFinite(factor) && factor > 0),
            nameof(LearningRateRestartFactor),
            LearningRateRestartFactor,
            "must be a finite number > 0, or null to keep the rate (default null)");
        check.FiniteAtLeast(LowLearningRateThreshold, 0, nameof(LowLearningRateThreshold), Default.LowLearningRateThreshold);
        check.Require(
            BestWeightsDirectory is null || !string.IsNullOrWhiteSpace(BestWeightsDirectory),
            nameof(BestWeightsDirectory),
            BestWeightsDirectory,
            "must be a folder, or null to keep the best weights in memory (default null)");
        check.Require(
            Training != DendriteTrainingMode.CascadeCorrelation || Trigger == GrowthTrigger.Never || CandidateLosses is not null,
            nameof(CandidateLosses),
            "null",
            "is required with Training = CascadeCorrelation: give the batch losses the candidates train on (default null)");
        if (check.NotNull(CascadeCorrelation, nameof(CascadeCorrelation), "CascadeCorrelationOptions.Default"))
        {
            CascadeCorrelation.Collect(check.Nested(nameof(CascadeCorrelation)));
        }
    }

    /// <summary>The relative and absolute thresholds that apply with <paramref name="dendrites"/> sets per layer.</summary>
    internal (double Relative, double Absolute) ThresholdsAt(int dendrites) =>
        (Pick(RelativeThresholdByDendrites, dendrites, RelativeThreshold), Pick(AbsoluteThresholdByDendrites, dendrites, AbsoluteThreshold));

    private static double Pick(IReadOnlyList<double>? list, int index, double fallback) =>
        list is null ? fallback : list[Math.Min(index, list.Count - 1)];

    private static void CheckList(OptionsValidator check, IReadOnlyList<double>? list, string name)
    {
        if (list is null)
        {
            return;
        }

        check.Require(list.Count > 0, name, "[]", "must have at least one element, or be null (default null)");
        for (var i = 0; i < list.Count; i++)
        {
            check.FiniteAtLeast(list[i], 0, $"{name}[{i}]", 0);
        }
    }
}
