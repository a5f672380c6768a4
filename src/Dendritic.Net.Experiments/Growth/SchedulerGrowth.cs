using System;
using System.Globalization;
using System.Linq;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// The dendritic arm driven by the library's <see cref="GrowthScheduler"/>: the model is wrapped with no dendrites, and
/// after every epoch the validation score goes to <see cref="GrowthScheduler.Step"/>, which adds dendrites on a plateau,
/// reverts growth that does not help, restores the best weights and says when to stop. The arm ends when the scheduler
/// completes or after <see cref="MaxEpochs"/>, whichever comes first.
/// </summary>
/// <remarks>
/// The harness scores by its validation metric, accuracy by default (<see cref="ExperimentOptions.Metric"/>, which must
/// be higher-is-better), so the scheduler's <see cref="GrowthOptions.Mode"/> must stay <see cref="ScoreMode.Maximize"/>
/// (the default), unlike the docs' hand-written loops that pass a validation loss with <see cref="ScoreMode.Minimize"/>.
/// Why the metric and not the loss: the same number picks every arm's reported (best-validation) epoch and compares the
/// arms, so the scheduler decides growth on what the comparison measures. Under Minimize a rising accuracy would read
/// as a score getting worse, and growth would be kept only when the accuracy fell.
/// </remarks>
public sealed class SchedulerGrowth : IGrowthPolicy
{
    /// <summary>Creates the policy.</summary>
    /// <param name="options">
    /// The scheduler's options; its defaults when null. Mode must be Maximize (the harness's metric is higher-is-better);
    /// LearningRateRestartFactor must be null: every arm trains with the recipe's constant learning rate and the
    /// harness's own Adam, which it rebuilds after each architecture change (<see cref="GrowthDecision.RebuildOptimizer"/>).
    /// </param>
    /// <param name="maxEpochs">Epochs after which the arm stops even if the scheduler has not completed; at least 1. Default 100.</param>
    /// <param name="wrap">Which layers get dendrites; <see cref="WrapOptions"/> defaults when null. Its InitialDendrites is ignored (0); its Logger must be left unset (the harness logs to ExperimentOptions.Logger).</param>
    /// <exception cref="InvalidOptionsException">
    /// An option is invalid, the options minimise the score, or they set a learning-rate restart that the harness would
    /// ignore; the exception lists every invalid value at once.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxEpochs"/> is below 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="wrap"/> sets a logger.</exception>
    public SchedulerGrowth(GrowthOptions? options = null, int maxEpochs = 100, WrapOptions? wrap = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEpochs, 1);
        // The harness gives cascade-correlation its candidate losses per run (Begin), so they are not required here.
        Options = options ?? new GrowthOptions();
        var check = new OptionsValidator(nameof(GrowthOptions));
        try
        {
            (Options.CandidateLosses is null ? Options with { CandidateLosses = Array.Empty<Tensor> } : Options).Validate();
        }
        catch (InvalidOptionsException invalid)
        {
            // Reported together with the harness's own rules below, so that one exception lists every bad value.
            foreach (var problem in invalid.Problems)
            {
                check.Require(false, problem.Name, problem.Value, problem.Rule);
            }
        }

        check.Require(Options.Mode == ScoreMode.Maximize, nameof(GrowthOptions.Mode), Options.Mode, "must be Maximize: the harness passes a higher-is-better validation metric");

        // The harness builds its own Adam at the recipe's constant rate for every arm (the controls included) and never
        // reads GrowthDecision.LearningRate: this option would be ignored without a word.
        check.Require(Options.LearningRateRestartFactor is null, nameof(GrowthOptions.LearningRateRestartFactor), Options.LearningRateRestartFactor, "must be null: every arm trains at the recipe's constant learning rate (TrainingRecipe.LearningRate)");
        check.ThrowIfInvalid();

        MaxEpochs = maxEpochs;
        Wrap = HarnessWrapOptions.Prepare(wrap);
    }

    /// <summary>The scheduler's options.</summary>
    public GrowthOptions Options { get; }

    /// <summary>Epochs after which the arm stops even if the scheduler has not completed.</summary>
    public int MaxEpochs { get; }

    /// <summary>How the model is wrapped (InitialDendrites 0).</summary>
    public WrapOptions Wrap { get; }

    /// <inheritdoc />
    public string Description => string.Create(
        CultureInfo.InvariantCulture,
        $"GrowthScheduler ({Options.Training}, trigger {Options.Trigger}, patience {Options.Patience} {(Options.PlateauAtPatience ? "reached" : "exceeded")} against the {(Options.PatienceAgainstCycleBest ? "cycle's" : "global")} best, first score {(Options.FirstScoreIsBest ? "counted" : "not counted")}, thresholds {Thresholds}, max {Options.MaxDendrites} dendrite set(s), {Options.MaxRetries} retries, keep only improvements {Options.KeepOnlyImprovements}) on Dendrites.Wrap({Wrap.Targets}) with {DendriteDescription.Of(Wrap.Dendrite)}, at most {MaxEpochs} epochs");

    private string Thresholds => string.Create(
        CultureInfo.InvariantCulture,
        $"relative {(Options.RelativeThresholdByDendrites is { } list ? string.Join("/", list.Select(t => t.ToString("G3", CultureInfo.InvariantCulture))) : Options.RelativeThreshold.ToString("G3", CultureInfo.InvariantCulture))}, absolute {Options.AbsoluteThreshold:G3}");

    /// <inheritdoc />
    public IGrowthSession Begin(nn.Module<Tensor, Tensor> model, GrowthContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        var handle = Dendrites.Wrap(model, Wrap with { Logger = context.Logger }, context.SampleInput);
        var options = Options.Training == DendriteTrainingMode.CascadeCorrelation ? Options with { CandidateLosses = context.TrainingLosses } : Options;
        var scheduler = new GrowthScheduler(handle, options);

        return new Session(this, model, handle, scheduler, context.LearningRate);
    }

    private sealed class Session : IGrowthSession
    {
        private readonly SchedulerGrowth _policy;
        private readonly GrowthScheduler _scheduler;
        private readonly double _learningRate;

        public Session(SchedulerGrowth policy, nn.Module<Tensor, Tensor> model, DendriticModel handle, GrowthScheduler scheduler, double learningRate)
        {
            _policy = policy;
            Model = model;
            Handle = handle;
            _scheduler = scheduler;
            _learningRate = learningRate;
        }

        public nn.Module<Tensor, Tensor> Model { get; }

        public DendriticModel Handle { get; }

        public int MaxEpochs => _policy.MaxEpochs;

        public GrowthStep AfterEpoch(int epoch, double validationScore)
        {
            var before = Handle.DendriteCount;
            var decision = _scheduler.Step(validationScore, _learningRate);
            return new GrowthStep
            {
                DendritesAdded = Math.Max(0, decision.DendriteCount - before),
                ArchitectureChanged = decision.RebuildOptimizer,
                Stop = decision.IsCompleted || epoch >= _policy.MaxEpochs,
                CutOff = !decision.IsCompleted && epoch >= _policy.MaxEpochs,
                Note = decision.Action == GrowthAction.NoChange ? null : decision.Message,
            };
        }

        public void Dispose()
        {
        }
    }
}
