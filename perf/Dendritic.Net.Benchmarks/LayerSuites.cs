using BenchmarkDotNet.Attributes;

namespace Dendritic.Benchmarks;

/// <summary>Forward with autograd recording: DendriteLayer against the plain host (Ratio = overhead).</summary>
[BenchmarkCategory("layer", "forward")]
public class LayerForward : LayerBenchmarkBase
{
    [Benchmark(Baseline = true)]
    public void Plain() => Forward(HostModule);

    [Benchmark]
    public void Dendritic() => Forward(Layer);
}

/// <summary>Forward and backward, one training step without the optimizer.</summary>
[BenchmarkCategory("layer", "training")]
public class LayerTraining : LayerBenchmarkBase
{
    [Benchmark(Baseline = true)]
    public void Plain() => ForwardBackward(HostModule);

    [Benchmark]
    public void Dendritic() => ForwardBackward(Layer);
}

/// <summary>Forward under no_grad.</summary>
[BenchmarkCategory("layer", "inference")]
public class LayerInference : LayerBenchmarkBase
{
    [Benchmark(Baseline = true)]
    public void Plain() => Inference(HostModule);

    [Benchmark]
    public void Dendritic() => Inference(Layer);
}
