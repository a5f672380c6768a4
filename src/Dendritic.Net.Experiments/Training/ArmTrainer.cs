using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>Trains one arm for one seed and measures it. Everything random comes from the seed.</summary>
internal sealed class ArmTrainer
{
    private readonly ExperimentOptions _options;
    private readonly ExperimentData _data;
    private readonly Device _device;
    private readonly EnergyMeter? _energy;
    private readonly string _energySource;
    private readonly GpuUsageSampler? _gpu;
    private readonly string _gpuSource;
    private int _candidatePasses;
    private nn.Module<Tensor, Tensor>? _lastBuilt;

    public ArmTrainer(ExperimentOptions options, ExperimentData data, Device device, EnergyMeter? energy, string energySource, GpuUsageSampler? gpu, string gpuSource)
    {
        _options = options;
        _data = data;
        _device = device;
        _energy = energy;
        _energySource = energySource;
        _gpu = gpu;
        _gpuSource = gpuSource;
    }

    /// <summary>The training order of every epoch for a seed: the same for every arm.</summary>
    public static long[] EpochOrder(int seed, int epoch, long count)
    {
        // One generator per (seed, epoch), so an arm that trains longer sees the same first epochs as a shorter one.
        // (HashCode.Combine is randomised per process, so the seed is mixed by hand.)
        var random = new Random(unchecked((seed * 1_000_003) + epoch) & int.MaxValue);
        var order = new long[count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    public RunResult Run(ArmKind arm, int seed, int width, int epochs, ModelFactory factory, IGrowthPolicy? growth, Action<int, int, double?> onEpoch, CancellationToken cancellationToken)
    {
        var memoryReset = MemoryProbe.ResetPeak();
        _gpu?.Start();
        _candidatePasses = 0;
        SeedEverything(seed);
        var model = Build(factory, width);
        model.to(_device);
        var session = growth?.Begin(model, new GrowthContext
        {
            BaselineEpochs = _options.Recipe.Epochs,
            LearningRate = _options.Recipe.LearningRate,
            SampleInput = _data.Train.Inputs.narrow(0, 0, Math.Min(8, _data.Train.Count)),
            TrainingLosses = () => TrainingLosses(model, seed),
            Logger = _options.Logger,
        });
        var probe = ActivationProbe.For(session?.Handle, _data.Train, _options);
        try
        {
            var module = session?.Model ?? model;
            var maxEpochs = session?.MaxEpochs ?? epochs;
            HarnessLog.ArmStarted(_options.Logger, arm, seed, width, maxEpochs);
            onEpoch(0, maxEpochs, null);
            var curve = new List<EpochRecord>();
            var optimizer = NewOptimizer(module);
            var trainSeconds = 0.0;
            var joules = _energy is null ? (double?)null : 0.0;
            var best = (Epoch: 0, Validation: double.NegativeInfinity, Test: 0.0, Parameters: 0L);
            using var selected = new SelectedModel(module, session?.Handle);
            var dendrites = 0;
            var cutOff = false;
            for (var epoch = 1; epoch <= maxEpochs; epoch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var parameters = ModelCost.Parameters(module);
                var energyBefore = _energy?.ReadJoules();
                var clock = Stopwatch.StartNew();
                var loss = TrainEpoch(module, optimizer, seed, epoch);
                if (!double.IsFinite(loss))
                {
                    // A diverged arm would otherwise report an accuracy like any other (a constant guess).
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Arm {arm}, seed {seed}, epoch {epoch}: the mean training loss is {loss}, so training diverged. Check the training data for NaN or infinite values, or lower the learning rate (Recipe.LearningRate {_options.Recipe.LearningRate})."));
                }

                var validation = Evaluate(module, _data.Validation);
                Synchronize();
                clock.Stop();
                trainSeconds += clock.Elapsed.TotalSeconds;
                var energyAfter = _energy?.ReadJoules();
                joules = joules is { } j && energyBefore is { } b && energyAfter is { } a ? j + (a - b) : null;
                var test = Evaluate(module, _data.Test);
                ThrowIfNotFinite(arm, seed, epoch, validation, test);
                if (validation > best.Validation)
                {
                    best = (epoch, validation, test, parameters);
                    selected.Capture();
                }

                var activations = probe?.Measure(module);

                // Growth steps, restores and cascade-correlation candidate passes are part of the dendritic arm's cost.
                var growthEnergyBefore = _energy?.ReadJoules();
                var growthClock = Stopwatch.StartNew();
                var step = session?.AfterEpoch(epoch, validation) ?? GrowthStep.Continue;
                Synchronize();
                growthClock.Stop();
                trainSeconds += growthClock.Elapsed.TotalSeconds;
                var growthEnergyAfter = _energy?.ReadJoules();
                joules = joules is { } gj && growthEnergyBefore is { } gb && growthEnergyAfter is { } ga ? gj + (ga - gb) : null;
                if (step.Grew)
                {
                    dendrites += step.DendritesAdded;
                    optimizer.Dispose();
                    optimizer = NewOptimizer(module);
                    HarnessLog.Grew(_options.Logger, arm, seed, epoch, (step.Note ?? "grew").TrimEnd('.'), ModelCost.Parameters(module));
                }

                curve.Add(new EpochRecord { Epoch = epoch, TrainLoss = loss, ValidationMetric = validation, TestMetric = test, Parameters = parameters, Growth = step.Grew ? step.Note ?? "grew" : null, Activations = activations });
                onEpoch(epoch, maxEpochs, validation);
                cutOff = step.CutOff;
                if (step.Stop)
                {
                    break;
                }
            }

            optimizer.Dispose();

            // The reported model is the one whose test score is reported: the best-validation epoch's structure and
            // weights. Its parameters, FLOPs, latency and dendrite count are measured, and RunFinished (export,
            // quantization) gets it, not a later epoch's model with sets that were never selected.
            var trainedSets = session?.Handle?.DendriteCount;
            selected.Restore();
            var latency = Latency(module);
            var gpu = _gpu?.Stop();
            var result = new RunResult
            {
                Arm = arm,
                Seed = seed,
                Width = width,
                Epochs = curve.Count,
                BestEpoch = best.Epoch,
                BestValidationMetric = best.Validation,
                TestMetric = best.Test,
                Parameters = ModelCost.Parameters(module),
                BestEpochParameters = best.Parameters,
                CandidatePasses = _candidatePasses,
                FlopsPerSample = ModelCost.FlopsPerSample(module, _data.Test.Inputs.narrow(0, 0, Math.Min(8, _data.Test.Count)), session?.Handle),
                TrainingSeconds = trainSeconds,
                LatencyMilliseconds = latency,
                LatencyBatchSize = (int)Math.Min(_options.LatencyBatchSize, _data.Test.Count),
                PeakMemoryBytes = memoryReset ? MemoryProbe.PeakBytes() : null,
                EnergyJoules = joules,
                EnergySource = joules is null ? (_energy is null ? _energySource : "not measured: counter unreadable during the run") : _energySource,
                GpuUtilizationPercent = gpu?.UtilizationPercent,
                GpuPeakMemoryMiB = gpu?.PeakMemoryMiB,
                GpuSource = gpu is { UtilizationPercent: null, PeakMemoryMiB: null } ? "not measured: NVML unreadable during the run" : _gpuSource,
                Co2Grams = joules is { } e && _options.GridIntensityGramsPerKwh is { } g ? e / 3.6e6 * g : null,
                DendriteCount = session?.Handle?.DendriteCount ?? dendrites,
                GrowthCutOff = session is null ? null : cutOff,
                Curve = curve,
            };
            HarnessLog.ArmFinished(_options.Logger, arm, seed, _options.MetricName, result.TestMetric, result.BestEpoch, result.Parameters, result.TrainingSeconds);
            if (trainedSets > result.DendriteCount)
            {
                HarnessLog.SetsNotSelected(_options.Logger, arm, seed, result.BestEpoch, result.DendriteCount, trainedSets.Value);
            }

            _options.RunFinished?.Invoke(result, module, session?.Handle);
            return result;
        }
        finally
        {
            probe?.Dispose();
            session?.Dispose();
            model.Dispose();
        }
    }

    /// <summary>
    /// Trains a throw-away model for a few steps and evaluates it on all of the validation and test splits (metric and
    /// loss), untimed, so the first arm's wall-clock does not include one-off costs (JIT compilation, libtorch kernel
    /// selection, thread-pool start-up), and so data that the model cannot take fails here, with the split named.
    /// </summary>
    public void WarmUp(ModelFactory factory, int width)
    {
        SeedEverything(0);
        using var model = Build(factory, width);
        model.to(_device);
        using var optimizer = NewOptimizer(model);
        var train = _data.Train;
        var batch = _options.Recipe.BatchSize;
        var (splitName, split) = ("first batches of the train split", train);
        try
        {
            DendriticWarmUp.TrainSteps(model, optimizer, train, batch, _options.Loss, (outputs, targets) =>
            {
                TargetShapeCheck.ThrowIfBroadcast(outputs, targets, _data.Name);
                ClassificationDefaultsCheck.ThrowIfNotClassification(_options, outputs, targets, _data.Name, "train split");
            });

            // Every sample of the validation and test splits too, through the metric and the loss: a test split of
            // another input size failed only after the first arm had trained, in libtorch's words, and a label beyond
            // the outputs there was scored as a wrong answer by the accuracy, without a word; the loss refuses it.
            foreach (var (name, other) in new[] { ("validation", _data.Validation), ("test", _data.Test) })
            {
                (splitName, split) = (name + " split", other);
                CheckSplit(model, other, name + " split");
            }

            if (_options.Arms.Contains(ArmKind.Dendritic))
            {
                (splitName, split) = ("first batches of the train split", train);
                using var wrapped = Build(factory, width);
                wrapped.to(_device);
                DendriticWarmUp.Run(wrapped, train, batch, _options.Loss, _options.Recipe.LearningRate);
            }
        }
        catch (ExternalException e)
        {
            // The first arm would fail the same way, deep in libtorch: say here which model and which data disagree.
            // libtorch's first line (its C++ frames follow) without its own full stop: the message goes on after it.
            var reason = LibTorchErrors.Reason(e);
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The model (width {width}) failed on the {splitName} of the data '{_data.Name}' (inputs {TensorText.ShapeAndType(split.Inputs)}, targets {TensorText.ShapeAndType(split.Targets)}), before the first arm: {reason}. If the model does not fit the data, check its input size and dtype against the inputs of every split and, for classification, that the targets of every split are int64 class indices below its output size."), e);
        }

        Synchronize();
    }

    /// <summary>
    /// A model from <paramref name="factory"/>, which must be a new object: the warm-up and every arm dispose theirs, so a
    /// factory that returns one object again would fail in the next arm with TorchSharp's "Tensor invalid -- empty handle".
    /// </summary>
    private nn.Module<Tensor, Tensor> Build(ModelFactory factory, int width)
    {
        var model = factory(width);
        if (ReferenceEquals(model, _lastBuilt))
        {
            throw new InvalidOperationException("The model factory returned the same model object twice: it must build a new model on every call (each arm and seed trains its own).");
        }

        _lastBuilt = model;
        return model;
    }

    /// <summary>
    /// A metric that is not finite would fail the report only at the end, after every arm ran: a NaN validation score
    /// never wins the best-epoch comparison (so the arm would report epoch 0 and a test metric of 0), and the summaries
    /// and report.json cannot hold NaN or infinity. Stopped here, with the arm, seed and split named.
    /// </summary>
    private void ThrowIfNotFinite(ArmKind arm, int seed, int epoch, double validation, double test)
    {
        if (double.IsFinite(validation) && double.IsFinite(test))
        {
            return;
        }

        var (split, value) = double.IsFinite(validation) ? ("test", test) : ("validation", validation);
        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Arm {arm}, seed {seed}, epoch {epoch}: the metric '{_options.MetricName}' on the {split} split is {value}. The metric must return a finite number for every split and epoch (for example guard a division by zero), and the model's outputs must be finite."));
    }

    private void SeedEverything(int seed)
    {
        torch.manual_seed(seed);
        if (_device.type == DeviceType.CUDA)
        {
            torch.cuda.manual_seed_all(seed);
        }
    }

    private TorchSharp.Modules.Adam NewOptimizer(nn.Module module) =>
        optim.Adam(module.parameters().Where(p => p.requires_grad).ToList(), _options.Recipe.LearningRate, weight_decay: _options.Recipe.WeightDecay);

    private double TrainEpoch(nn.Module<Tensor, Tensor> module, optim.Optimizer optimizer, int seed, int epoch)
    {
        module.train();
        var train = _data.Train;
        var batch = _options.Recipe.BatchSize;
        using var order = tensor(EpochOrder(seed, epoch, train.Count), device: _device);
        double total = 0;
        var steps = 0;
        for (long start = 0; start < train.Count; start += batch)
        {
            using var scope = NewDisposeScope();
            var index = order.narrow(0, start, Math.Min(batch, train.Count - start));
            var inputs = train.Inputs.index_select(0, index);
            var targets = train.Targets.index_select(0, index);
            optimizer.zero_grad();
            var loss = _options.Loss(module.call(inputs), targets);
            loss.backward();
            optimizer.step();
            total += loss.ToDouble();
            steps++;
        }

        return total / steps;
    }

    private IEnumerable<Tensor> TrainingLosses(nn.Module<Tensor, Tensor> module, int seed)
    {
        // Its own seeded order (epoch numbers far beyond any training epoch), so candidate passes are reproducible.
        var train = _data.Train;
        var batch = _options.Recipe.BatchSize;
        var pass = ++_candidatePasses;
        // No tensor outlives a batch: the consumer may run each step inside its own dispose scope.
        var order = EpochOrder(seed, 1_000_000 + pass, train.Count);
        for (long start = 0; start < train.Count; start += batch)
        {
            using var scope = NewDisposeScope();
            var index = tensor(order.AsSpan((int)start, (int)Math.Min(batch, train.Count - start)).ToArray(), device: _device);
            yield return _options.Loss(module.call(train.Inputs.index_select(0, index)), train.Targets.index_select(0, index));
        }
    }

    private double Evaluate(nn.Module<Tensor, Tensor> module, DataSplit split)
    {
        using var modes = EvalModeScope.Enter(module);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return _options.Metric(Outputs(module, split), split.Targets);
    }

    // The warm-up's check of a split: the metric and the loss over all of it, as the arms will evaluate it.
    private void CheckSplit(nn.Module<Tensor, Tensor> module, DataSplit split, string name)
    {
        using var modes = EvalModeScope.Enter(module);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var outputs = Outputs(module, split);
        ClassificationDefaultsCheck.ThrowIfNotClassification(_options, outputs, split.Targets, _data.Name, name);
        _options.Metric(outputs, split.Targets);
        _options.Loss(outputs, split.Targets);
    }

    private Tensor Outputs(nn.Module<Tensor, Tensor> module, DataSplit split)
    {
        var outputs = new List<Tensor>();
        var batch = _options.Recipe.EvaluationBatchSize;
        for (long start = 0; start < split.Count; start += batch)
        {
            outputs.Add(module.call(split.Inputs.narrow(0, start, Math.Min(batch, split.Count - start))));
        }

        return outputs.Count == 1 ? outputs[0] : cat(outputs, 0);
    }

    private double Latency(nn.Module<Tensor, Tensor> module)
    {
        using var modes = EvalModeScope.Enter(module);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var inputs = _data.Test.Inputs.narrow(0, 0, Math.Min(_options.LatencyBatchSize, _data.Test.Count));
        for (var i = 0; i < 3; i++)
        {
            module.call(inputs).Dispose();
        }

        var times = new double[_options.LatencyRepeats];
        for (var i = 0; i < times.Length; i++)
        {
            Synchronize();
            var clock = Stopwatch.StartNew();
            module.call(inputs).Dispose();
            Synchronize();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }

        Array.Sort(times);
        return times.Length % 2 == 1 ? times[times.Length / 2] : (times[(times.Length / 2) - 1] + times[times.Length / 2]) / 2;
    }

    private void Synchronize()
    {
        if (_device.type == DeviceType.CUDA)
        {
            torch.cuda.synchronize(_device);
        }
    }
}
