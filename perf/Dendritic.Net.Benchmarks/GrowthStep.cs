using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// The parts of one growth step on a 3.2-million-parameter MLP (1024-1024-1024-1024-10, one dendrite set per layer
/// already): snapshot the weights, restore them, add one set to every layer, rebuild the optimizer, and all four.
/// Every iteration starts from a fresh model, built outside the measurement.
/// </summary>
[BenchmarkCategory("growth")]
[InvocationCount(1, 1)]
[IterationCount(15)]
[WarmupCount(2)]
public class GrowthStep
{
    private nn.Module<Tensor, Tensor>? _model;
    private optim.Optimizer? _optimizer;
    private List<(string Name, Tensor Value)>? _snapshot;
    private Device? _device;
    private ScalarType _dtype;

    [ParamsSource(nameof(DeviceValues))]
    public string Device { get; set; } = "cpu";

    public static IEnumerable<string> DeviceValues => BenchSettings.Devices;

    [GlobalSetup]
    public void Setup()
    {
        _device = TorchEnv.Device(Device);
        _dtype = ScalarType.Float32;
    }

    [IterationSetup]
    public void FreshModel()
    {
        manual_seed(42);
        _model = Models.Create("Growth", 1);
        _model.to(_device!).to(_dtype);
        _optimizer = optim.Adam(_model.parameters().ToList(), 1e-3);
        _snapshot = Capture(_model);
        TorchEnv.Sync(_device!);
    }

    [IterationCleanup]
    public void DropModel()
    {
        if (_snapshot is not null)
        {
            foreach (var (_, value) in _snapshot)
            {
                value.Dispose();
            }
        }

        _optimizer?.Dispose();
        _model?.Dispose();
        _snapshot = null;
    }

    /// <summary>Copies every weight (the best-so-far snapshot a growth scheduler keeps).</summary>
    [Benchmark]
    public void Snapshot()
    {
        var copy = Capture(_model!);
        TorchEnv.Sync(_device!);
        foreach (var (_, value) in copy)
        {
            value.Dispose();
        }
    }

    /// <summary>Writes a snapshot back into the model's parameters.</summary>
    [Benchmark]
    public void Restore()
    {
        RestoreInto(_model!, _snapshot!);
        TorchEnv.Sync(_device!);
    }

    /// <summary>Adds one dendrite set to every layer.</summary>
    [Benchmark]
    public void AddDendrites()
    {
        foreach (var layer in Models.DendriteLayers(_model!))
        {
            layer.AddDendrites(1);
        }

        TorchEnv.Sync(_device!);
    }

    /// <summary>Builds a new Adam over the current parameters.</summary>
    [Benchmark]
    public void RebuildOptimizer()
    {
        _optimizer!.Dispose();
        _optimizer = optim.Adam(_model!.parameters().ToList(), 1e-3);
    }

    /// <summary>The whole growth step: snapshot, restore, add a set to every layer, rebuild the optimizer.</summary>
    [Benchmark(Baseline = true)]
    public void FullStep()
    {
        var copy = Capture(_model!);
        RestoreInto(_model!, copy);
        foreach (var layer in Models.DendriteLayers(_model!))
        {
            layer.AddDendrites(1);
        }

        _optimizer!.Dispose();
        _optimizer = optim.Adam(_model!.parameters().ToList(), 1e-3);
        TorchEnv.Sync(_device!);
        foreach (var (_, value) in copy)
        {
            value.Dispose();
        }
    }

    private static List<(string Name, Tensor Value)> Capture(nn.Module model)
    {
        using var noGrad = no_grad();
        return model.named_parameters().Select(p => (p.name, p.parameter.detach().clone())).ToList();
    }

    private static void RestoreInto(nn.Module model, List<(string Name, Tensor Value)> snapshot)
    {
        using var noGrad = no_grad();
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        foreach (var (name, value) in snapshot)
        {
            parameters[name].copy_(value);
        }
    }
}
