using System;
using System.Globalization;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// The dendritic arm driven by the library's <see cref="GrowthScheduler"/>: the model is wrapped with no dendrites, and
/// after every epoch the validation score goes to <see cref="GrowthScheduler.Step"/>, which adds dendrites on a plateau,
/// reverts growth that does not help, restores the best weights and says when to stop. The arm ends when the scheduler
/// completes or after <see cref="SchedulerGrowthOptions.MaxEpochs"/>, whichever comes first.
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
    /// The scheduler's rules, the arm's epoch cap and the wrap settings; <see cref="SchedulerGrowthOptions.Default"/>
    /// when null. The harness's own rules for the scheduler's options are listed at <see cref="SchedulerGrowthOptions.Growth"/>.
    /// </param>
    /// <exception cref="InvalidOptionsException">
    /// A value of <paramref name="options"/> is invalid, the scheduler's options included (they minimise the score, say,
    /// or set a learning-rate restart that the harness would ignore); the exception lists every invalid value at once.
    /// </exception>
    public SchedulerGrowth(SchedulerGrowthOptions? options = null)
    {
        Options = (options ?? SchedulerGrowthOptions.Default).Validate();
    }

    /// <summary>The validated rules, epoch cap and wrap settings.</summary>
    public SchedulerGrowthOptions Options { get; }

    /// <summary><see cref="SchedulerGrowthOptions.MaxEpochs"/>: the arm stops there if the scheduler has not completed.</summary>
    int? IGrowthPolicy.MaxEpochs => Options.MaxEpochs;

    /// <inheritdoc />
    public string Description
    {
        get
        {
            var rules = Options.Growth;
            return string.Create(
                CultureInfo.InvariantCulture,
                $"GrowthScheduler ({rules.Training}, trigger {rules.Trigger}, patience {rules.Patience} {(rules.PlateauAtPatience ? "reached" : "exceeded")} against the {(rules.PatienceAgainstCycleBest ? "cycle's" : "global")} best, first score {(rules.FirstScoreIsBest ? "counted" : "not counted")}, thresholds {Thresholds(rules)}, max {rules.MaxDendrites} dendrite set(s), {rules.MaxRetries} retries, keep only improvements {rules.KeepOnlyImprovements}) on Dendrites.Wrap({Options.Wrap.Targets}) with {DendriteDescription.Of(Options.Wrap.Dendrite)}, at most {Options.MaxEpochs} epochs");
        }
    }

    private static string Thresholds(GrowthOptions rules) => string.Create(
        CultureInfo.InvariantCulture,
        $"relative {(rules.RelativeThresholdByDendrites is { } list ? string.Join("/", list.Select(t => t.ToString("G3", CultureInfo.InvariantCulture))) : rules.RelativeThreshold.ToString("G3", CultureInfo.InvariantCulture))}, absolute {rules.AbsoluteThreshold:G3}");

    /// <inheritdoc />
    public IGrowthSession Begin(nn.Module<Tensor, Tensor> model, GrowthContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        var handle = Dendrites.Wrap(model, Options.Wrap.ToWrapOptions(context.Logger), context.SampleInput);
        var rules = Options.Growth;
        var options = rules.Training == DendriteTrainingMode.CascadeCorrelation ? rules with { CandidateLosses = context.TrainingLosses } : rules;
        var scheduler = new GrowthScheduler(handle, options);

        return new Session(Options.MaxEpochs, model, handle, scheduler, context.LearningRate);
    }

    private sealed class Session : IGrowthSession
    {
        private readonly int _maxEpochs;
        private readonly GrowthScheduler _scheduler;
        private readonly double _learningRate;

        public Session(int maxEpochs, nn.Module<Tensor, Tensor> model, DendriticModel handle, GrowthScheduler scheduler, double learningRate)
        {
            _maxEpochs = maxEpochs;
            Model = model;
            Handle = handle;
            _scheduler = scheduler;
            _learningRate = learningRate;
        }

        public nn.Module<Tensor, Tensor> Model { get; }

        public DendriticModel Handle { get; }

        public int MaxEpochs => _maxEpochs;

        public GrowthStep AfterEpoch(int epoch, double validationScore)
        {
            var before = Handle.DendriteCount;
            var decision = _scheduler.Step(validationScore, _learningRate);
            return new GrowthStep
            {
                DendritesAdded = Math.Max(0, decision.DendriteCount - before),
                // A completion that removed sets also says RebuildOptimizer; the harness stops then, so nothing to rebuild.
                ArchitectureChanged = decision.RebuildOptimizer && !decision.IsCompleted,
                Stop = decision.IsCompleted || epoch >= _maxEpochs,
                CutOff = !decision.IsCompleted && epoch >= _maxEpochs,
                Note = decision.Action == GrowthAction.NoChange ? null : decision.Message,
            };
        }

        public void Dispose()
        {
        }
    }
}
