using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// One full training step (forward, cross-entropy, backward, Adam step) of a small MLP or CNN, plain against the
/// same model wrapped by Dendrites.Wrap with <see cref="Dendrites"/> sets on every Linear and Conv2d.
/// </summary>
[BenchmarkCategory("model")]
public class ModelTraining
{
    private nn.Module<Tensor, Tensor>? _plain;
    private nn.Module<Tensor, Tensor>? _dendritic;
    private optim.Optimizer? _plainOptimizer;
    private optim.Optimizer? _dendriticOptimizer;
    private Tensor? _input;
    private Tensor? _labels;
    private Device? _device;

    [ParamsSource(nameof(DeviceValues))]
    public string Device { get; set; } = "cpu";

    [ParamsSource(nameof(DTypeValues))]
    public string DType { get; set; } = "float32";

    [Params("Mlp", "Cnn")]
    public string Model { get; set; } = "Mlp";

    [ParamsSource(nameof(DendriteValues))]
    public int Dendrites { get; set; } = 1;

    public static IEnumerable<string> DeviceValues => BenchSettings.Devices;

    public static IEnumerable<string> DTypeValues => BenchSettings.DTypes;

    public static IEnumerable<int> DendriteValues => BenchSettings.DendriteCounts;

    [GlobalSetup]
    public void Setup()
    {
        _device = TorchEnv.Device(Device);
        var dtype = TorchEnv.DType(DType);
        manual_seed(42);
        _plain = Models.Create(Model);
        _plain.to(_device).to(dtype);
        var (dendritic, _) = Models.CreateWrapped(Model, Dendrites);
        dendritic.to(_device).to(dtype);
        _dendritic = dendritic;

        // Optimizers over materialised lists: the parameters were replaced by the device move above.
        _plainOptimizer = optim.Adam(_plain.parameters().ToList(), 1e-3);
        _dendriticOptimizer = optim.Adam(_dendritic.parameters().ToList(), 1e-3);
        _input = Models.Input(Model, dtype, _device);
        _labels = Models.Labels(Model, _device);
        TorchEnv.Sync(_device);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _plainOptimizer?.Dispose();
        _dendriticOptimizer?.Dispose();
        _plain?.Dispose();
        _dendritic?.Dispose();
        _input?.Dispose();
        _labels?.Dispose();
        System.GC.Collect();
        System.GC.WaitForPendingFinalizers();
    }

    [Benchmark(Baseline = true)]
    public void Plain() => Step(_plain!, _plainOptimizer!);

    [Benchmark]
    public void Dendritic() => Step(_dendritic!, _dendriticOptimizer!);

    private void Step(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
    {
        using (NewDisposeScope())
        {
            optimizer.zero_grad();
            var logits = model.call(_input!);
            var loss = nn.functional.cross_entropy(logits, _labels!);
            loss.backward();
            optimizer.step();
        }

        TorchEnv.Sync(_device!);
    }
}
