using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>Forward with autograd recording: DendriteLayer against the plain host (Ratio = overhead).</summary>
[BenchmarkCategory("layer", "forward")]
public class LayerForward : LayerBenchmarkBase
{
    [Benchmark(Baseline = true)]
    public void Plain() => Measure(HostModule);

    [Benchmark]
    public void Dendritic() => Measure(Layer);

    protected override void RunStep(nn.Module<Tensor, Tensor> module) => Forward(module);
}

/// <summary>Forward and backward, one training step without the optimizer.</summary>
[BenchmarkCategory("layer", "training")]
public class LayerTraining : LayerBenchmarkBase
{
    [Benchmark(Baseline = true)]
    public void Plain() => Measure(HostModule);

    [Benchmark]
    public void Dendritic() => Measure(Layer);

    protected override void RunStep(nn.Module<Tensor, Tensor> module) => ForwardBackward(module);
}

/// <summary>Forward under no_grad.</summary>
[BenchmarkCategory("layer", "inference")]
public class LayerInference : LayerBenchmarkBase
{
    [Benchmark(Baseline = true)]
    public void Plain() => Measure(HostModule);

    [Benchmark]
    public void Dendritic() => Measure(Layer);

    protected override void RunStep(nn.Module<Tensor, Tensor> module) => Inference(module);
}
