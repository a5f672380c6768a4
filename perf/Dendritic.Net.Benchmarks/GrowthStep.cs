using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// The parts of one growth step on a 3.2-million-parameter MLP (1024-1024-1024-1024-10 wrapped by Dendrites.Wrap, one
/// dendrite set per layer already): capture the weights, restore them, add one set to every layer, rebuild the
/// optimizer, all four together; and the growth scheduler's Step when nothing changes (the call a training loop makes
/// after every validation). Every iteration starts from a fresh model, built outside the measurement.
/// </summary>
[BenchmarkCategory("growth")]
[InvocationCount(1, 1)]
[IterationCount(15)]
[WarmupCount(2)]
public class GrowthStep
{
    private nn.Module<Tensor, Tensor>? _model;
    private DendriticModel? _handle;
    private optim.Optimizer? _optimizer;
    private WeightSnapshot? _snapshot;
    private GrowthScheduler? _scheduler;
    private Device? _device;

    [ParamsSource(nameof(DeviceValues))]
    public string Device { get; set; } = "cpu";

    public static IEnumerable<string> DeviceValues => BenchSettings.Devices;

    [GlobalSetup]
    public void Setup() => _device = TorchEnv.Device(Device);

    [IterationSetup]
    public void FreshModel()
    {
        manual_seed(42);
        (_model, _handle) = Models.CreateWrapped("Growth", 1);
        _model.to(_device!);
        _optimizer = optim.Adam(_handle.Parameters(), 1e-3);
        _snapshot = _handle.CaptureWeights();

        // A scheduler that has seen one score (its best-so-far weights are captured) and waits for a plateau.
        _scheduler = new GrowthScheduler(_handle, new GrowthOptions { Patience = 1000 });
        _scheduler.Step(1.0);
        TorchEnv.Sync(_device!);
    }

    [IterationCleanup]
    public void DropModel()
    {
        _snapshot?.Dispose();
        _optimizer?.Dispose();
        _model?.Dispose();
        _snapshot = null;
        _scheduler = null;
    }

    /// <summary>Copies every weight (the best-so-far snapshot a growth scheduler keeps).</summary>
    [Benchmark]
    public void Snapshot()
    {
        using var copy = _handle!.CaptureWeights();
        TorchEnv.Sync(_device!);
    }

    /// <summary>Writes a snapshot back into the model's parameters.</summary>
    [Benchmark]
    public void Restore()
    {
        _handle!.RestoreWeights(_snapshot!);
        TorchEnv.Sync(_device!);
    }

    /// <summary>Adds one dendrite set to every layer.</summary>
    [Benchmark]
    public void AddDendrites()
    {
        _handle!.AddDendrites(1);
        TorchEnv.Sync(_device!);
    }

    /// <summary>Builds a new Adam over the current parameters.</summary>
    [Benchmark]
    public void RebuildOptimizer()
    {
        _optimizer!.Dispose();
        _optimizer = optim.Adam(_handle!.Parameters(), 1e-3);
    }

    /// <summary>The whole growth step: capture, restore, add a set to every layer, rebuild the optimizer.</summary>
    [Benchmark(Baseline = true)]
    public void FullStep()
    {
        using (var copy = _handle!.CaptureWeights())
        {
            _handle.RestoreWeights(copy);
        }

        _handle.AddDendrites(1);
        _optimizer!.Dispose();
        _optimizer = optim.Adam(_handle.Parameters(), 1e-3);
        TorchEnv.Sync(_device!);
    }

    /// <summary>GrowthScheduler.Step with a score that does not improve and no plateau yet: nothing changes.</summary>
    [Benchmark]
    public GrowthDecision SchedulerStepNoChange() => _scheduler!.Step(0.5);
}
