using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// Runs a dendrite experiment: for every seed, the baseline, the dendritic arm, a capacity-matched control (the
/// baseline widened to the parameter count of the dendritic arm's selected (best-validation) epoch, nearest width) and a train-as-long control (the
/// baseline trained for as many epochs as the dendritic arm), all with the same data order, initial-weight seed and
/// recipe. The controls train for the dendritic arm's epoch count plus its candidate passes over the training data, so neither extra parameters nor extra epochs can
/// explain a dendritic gain that survives them.
/// </summary>
public sealed class ExperimentRunner
{
    private readonly ModelFactory _factory;
    private readonly ExperimentData _data;
    private readonly IGrowthPolicy _growth;
    private readonly ExperimentOptions _options;
    private readonly Dictionary<int, long> _parametersByWidth = new();

    /// <summary>Creates the runner; nothing runs until <see cref="Run"/>.</summary>
    /// <param name="factory">Builds the model at a given width.</param>
    /// <param name="data">Training, validation and test splits.</param>
    /// <param name="growth">How the dendritic arm grows dendrites.</param>
    /// <param name="options">Seeds, width, recipe, arms; <see cref="ExperimentOptions.Default"/> when null.</param>
    /// <exception cref="InvalidOptionsException">
    /// An option is invalid, or <see cref="TrainingRecipe.Epochs"/> exceeds the policy's
    /// <see cref="IGrowthPolicy.MaxEpochs"/> when it says one (the dendritic arm, and the controls that train as long as
    /// it, would train less than the baseline); the exception lists every invalid value at once.
    /// </exception>
    public ExperimentRunner(ModelFactory factory, ExperimentData data, IGrowthPolicy growth, ExperimentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(growth);
        _factory = factory;
        _data = data;
        _growth = growth;
        _options = options ?? ExperimentOptions.Default;
        var check = new OptionsValidator(nameof(ExperimentOptions));
        _options.Collect(check);
        CheckEpochCap(check, _options, growth);
        check.ThrowIfInvalid();
    }

    /// <summary>
    /// The controls train as long as the dendritic arm: with a cap below the baseline's budget, "train-as-long" would
    /// not be. Checked for every policy that says its cap before <see cref="IGrowthPolicy.Begin"/>
    /// (<see cref="IGrowthPolicy.MaxEpochs"/>), the built-in ones included.
    /// </summary>
    private static void CheckEpochCap(OptionsValidator check, ExperimentOptions options, IGrowthPolicy growth)
    {
        if (growth.MaxEpochs is not { } cap || options.Arms?.Contains(ArmKind.Dendritic) != true || options.Recipe is null)
        {
            return;
        }

        var epochs = options.Recipe.Epochs;
        var policy = growth.GetType().Name;
        check.Require(
            epochs <= cap,
            nameof(ExperimentOptions.Recipe) + "." + nameof(TrainingRecipe.Epochs),
            epochs,
            string.Create(CultureInfo.InvariantCulture, $"exceeds the dendritic arm's epoch cap, {policy}'s MaxEpochs ({cap}): the dendritic arm, and the controls that train as long as it, would train less than the baseline. Raise the cap to at least {epochs} (SchedulerGrowthOptions.MaxEpochs or FixedEpochGrowthOptions.MaxEpochs for the built-in policies), or lower Recipe.Epochs"));
    }

    /// <summary>Runs every arm for every seed and summarises them.</summary>
    /// <param name="progress">Receives a report when each run starts and after each epoch; may be null.</param>
    /// <param name="cancellationToken">Stops between epochs.</param>
    /// <returns>The report.</returns>
    /// <exception cref="InvalidOperationException">
    /// The device is not available; the model does not fit the data (checked before the first arm on a few training
    /// batches and on every validation and test sample, through the metric and the loss, with the split, shapes and
    /// dtypes in the message: a label beyond the outputs in any split stops here); the factory returns one model object twice; an arm's training loss is
    /// not finite; or the metric is not finite on the validation or test split.
    /// </exception>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="cancellationToken"/> was cancelled; checked before each epoch of each run, so no report is
    /// returned and the runs finished so far are not kept.
    /// </exception>
    public ExperimentReport Run(IProgress<ExperimentProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var device = ResolveDevice(_options.Device);
        var data = _data.To(device);
        using var energy = EnergyMeter.For(_options.Device, out var reason);
        var energySource = energy?.Source ?? reason;
        HarnessLog.Energy(_options.Logger, energySource);
        using var gpu = GpuUsageSampler.For(_options.Device, out var gpuReason);
        var trainer = new ArmTrainer(_options, data, device, energy, energySource, gpu, gpu?.Source ?? gpuReason);
        var arms = _options.Arms.Order().ToList();
        var runCount = arms.Count * _options.Seeds.Count;
        var runs = new List<RunResult>();
        var warnings = new List<string>();
        if (data.Train.Targets.dtype == ScalarType.Int64 && data.Train.Count > 0)
        {
            using var lowest = data.Train.Targets.min();
            using var highest = data.Train.Targets.max();
            if (lowest.item<long>() == highest.item<long>())
            {
                HarnessLog.OneClass(_options.Logger, _data.Name, lowest.item<long>());
                warnings.Add(string.Create(CultureInfo.InvariantCulture, $"The training targets hold one class only ({lowest.item<long>()}): every arm can score by always answering it, so the comparison says nothing. Check the labels and the split."));
            }
        }

        trainer.WarmUp(_factory, _options.Width);
        if (arms.Contains(ArmKind.CapacityMatched) && _options.MaxWidth > 1)
        {
            // After the warm-up's checks of the model against the data, before any arm trains (not when seed 1's
            // control is sized, after its baseline and dendritic arms). Counting builds models, which draws random
            // numbers; every arm re-seeds, so nothing measured changes.
            ThrowIfWidthIgnored(Math.Min(_options.MaxWidth, 64));
        }
        foreach (var seed in _options.Seeds)
        {
            RunResult? dendritic = null;
            foreach (var arm in arms)
            {
                var (width, epochs) = arm switch
                {
                    ArmKind.Baseline => (_options.Width, _options.Recipe.Epochs),
                    ArmKind.Dendritic => (_options.Width, _options.Recipe.Epochs),
                    ArmKind.CapacityMatched => (MatchedWidth(seed, dendritic!.BestEpochParameters), dendritic!.Epochs + dendritic!.CandidatePasses),
                    _ => (_options.Width, dendritic!.Epochs + dendritic!.CandidatePasses),
                };
                var index = runs.Count;
                var result = trainer.Run(
                    arm,
                    seed,
                    width,
                    epochs,
                    _factory,
                    arm == ArmKind.Dendritic ? _growth : null,
                    (epoch, max, validation) => progress?.Report(new ExperimentProgress
                    {
                        Arm = arm, Seed = seed, RunIndex = index, RunCount = runCount, Epoch = epoch, MaxEpochs = max, Width = width, ValidationMetric = validation,
                    }),
                    cancellationToken);
                progress?.Report(new ExperimentProgress
                {
                    Arm = arm, Seed = seed, RunIndex = index, RunCount = runCount, Epoch = result.Epochs, MaxEpochs = result.Epochs, Width = width, ValidationMetric = result.BestValidationMetric, Finished = true,
                });
                runs.Add(result);
                if (arm == ArmKind.Dendritic)
                {
                    dendritic = result;
                }
            }
        }

        if (ReportWarnings.FirstEpochBest(runs, _options.MetricName) is not null)
        {
            // Every arm kept its untrained-looking first epoch: what a lower-is-better metric (a loss) does here. Logged
            // only: the report derives the warning from its runs.
            HarnessLog.FirstEpochBest(_options.Logger, _options.MetricName);
        }

        return new ExperimentReport
        {
            // The data's warnings; ExperimentReport.Warnings adds those its runs show.
            Warnings = warnings,
            FinishedUtc = DateTimeOffset.UtcNow,
            Data = string.Create(CultureInfo.InvariantCulture, $"{_data.Name}: {_data.Train.Count} train, {_data.Validation.Count} validation, {_data.Test.Count} test"),
            MetricName = _options.MetricName,
            Seeds = _options.Seeds.ToArray(),
            Width = _options.Width,
            Recipe = _options.Recipe,
            // Without a dendritic arm no growth ran: the report must not describe one.
            Growth = _options.Arms.Contains(ArmKind.Dendritic) ? _growth.Description : "not run (no dendritic arm)",
            Device = _options.Device,
            Machine = MachineInfo.Describe(),
            GridIntensityGramsPerKwh = _options.GridIntensityGramsPerKwh,
            Runs = runs,
            Summaries = ReportSummaries.Build(runs),
        };
    }

    /// <summary>
    /// The width whose parameter count is nearest to <paramref name="target"/>, assuming the count grows with width:
    /// the true (fractional) width lies within one unit of the answer. Ties go to the wider model.
    /// </summary>
    /// <param name="factory">Builds the model at a given width.</param>
    /// <param name="target">The parameter count to match.</param>
    /// <param name="minWidth">Smallest width to consider; at least 1.</param>
    /// <param name="maxWidth">Largest width to consider.</param>
    /// <returns>The width.</returns>
    internal static int MatchWidth(ModelFactory factory, long target, int minWidth, int maxWidth)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var cache = new Dictionary<int, long>();
        return MatchWidth(w => CountParameters(factory, w, cache), target, minWidth, maxWidth);
    }

    private static int MatchWidth(Func<int, long> parameters, long target, int minWidth, int maxWidth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWidth, minWidth);
        // Doubling first (never building a model much larger than needed), then bisection: the smallest width with at
        // least the target count, then whichever neighbour is nearer.
        var low = minWidth;
        var high = minWidth;
        while (parameters(high) < target)
        {
            if (high == maxWidth)
            {
                ThrowIfFlat(parameters, minWidth, maxWidth);
                throw new InvalidOperationException($"Even width {maxWidth} has fewer than the {target} parameters the capacity-matched control must match (the dendritic arm's count); raise ExperimentOptions.MaxWidth.");
            }

            low = high + 1;
            high = (int)Math.Min((long)high * 2, maxWidth);
        }

        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            if (parameters(mid) >= target)
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }

        if (low > minWidth && target - parameters(low - 1) < parameters(low) - target)
        {
            return low - 1;
        }

        if (low == minWidth && maxWidth > minWidth)
        {
            // Matched at the smallest width: right for a small target, wrong for a factory that ignores the width.
            ThrowIfFlat(parameters, minWidth, (int)Math.Min(maxWidth, Math.Max(64L, 64L * minWidth)));
        }

        return low;
    }

    /// <summary>
    /// Throws when the model has as many parameters at <paramref name="wide"/> as at <paramref name="narrow"/>: a factory
    /// that ignores the width it is given, which no width can match. Compared far apart, so that a factory that grows in
    /// steps (a hidden size rounded up to a multiple of 8) passes.
    /// </summary>
    private static void ThrowIfFlat(Func<int, long> parameters, int narrow, int wide)
    {
        if (parameters(wide) == parameters(narrow))
        {
            throw new InvalidOperationException($"The model factory built {parameters(narrow)} parameters at width {narrow} and as many at width {wide}: the capacity-matched control needs a factory whose model grows with the width it is given (build the hidden layers from its argument).");
        }
    }

    /// <summary>
    /// <see cref="ThrowIfFlat"/> on models of width 1 and <paramref name="wide"/>, built and disposed here. Their counts
    /// go into the cache that sizes the capacity-matched control, whose search starts at width 1 and checks width
    /// <paramref name="wide"/> again when it matches there, so neither model is built a second time for it. A factory
    /// that returns one object for both is left alone (disposing it would break the arms): the arms' own check names that.
    /// </summary>
    private void ThrowIfWidthIgnored(int wide)
    {
        // A second Run of this runner has both counts already.
        if (!_parametersByWidth.ContainsKey(1) || !_parametersByWidth.ContainsKey(wide))
        {
            var narrowModel = _factory(1);
            var wideModel = _factory(wide);
            if (ReferenceEquals(narrowModel, wideModel))
            {
                return;
            }

            using (narrowModel)
            using (wideModel)
            {
                _parametersByWidth[1] = ModelCost.Parameters(narrowModel);
                _parametersByWidth[wide] = ModelCost.Parameters(wideModel);
            }
        }

        ThrowIfFlat(w => _parametersByWidth[w], 1, wide);
    }

    private static long CountParameters(ModelFactory factory, int width, Dictionary<int, long> cache)
    {
        if (!cache.TryGetValue(width, out var count))
        {
            using var model = factory(width);
            count = ModelCost.Parameters(model);
            cache[width] = count;
        }

        return count;
    }

    private int MatchedWidth(int seed, long target)
    {
        // Counting builds models, which draws random numbers: do it before the arm re-seeds, never inside an arm.
        var width = MatchWidth(w => CountParameters(_factory, w, _parametersByWidth), target, 1, _options.MaxWidth);
        HarnessLog.Matched(_options.Logger, seed, width, _parametersByWidth[width], target);
        return width;
    }

    private static Device ResolveDevice(string name)
    {
        if (name.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) && !cuda.is_available())
        {
            throw new InvalidOperationException($"Device '{name}' was requested but CUDA is not available: this process has no CUDA build of libtorch (reference TorchSharp-cuda-linux or TorchSharp-cuda-windows instead of TorchSharp-cpu) or no GPU. Use device 'cpu'.");
        }

        try
        {
            return new Device(name);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            throw new InvalidOperationException($"Unknown device '{name}': use \"cpu\", \"cuda\" or \"cuda:N\".", ex);
        }
    }
}
