using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// Part 3 of "fused-check": the cascade alone (no projection), forward plus backward, reference against the fused
/// kernel, at the layer suites' CUDA shapes. Median of <see cref="Rounds"/> rounds of <see cref="Iterations"/> steps,
/// each round timed between device synchronisations: a quick reading of what the kernel saves, beside the suites.
/// </summary>
internal static class FusedTiming
{
    private const int Rounds = 5;
    private const int Iterations = 10;

    public static void Run(Device device, ICascadeKernel kernel)
    {
        Console.WriteLine();
        Console.WriteLine("## 3. Cascade alone, forward + backward (ms per step, median of 5 rounds of 10)");
        Console.WriteLine("| case | dtype | D | reference ms | fused ms | reference / fused |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: |");
        foreach (var (host, size) in new[] { ("Linear", "small"), ("Linear", "large"), ("Conv2d", "small"), ("Conv2d", "large") })
        {
            foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
            {
                foreach (var sets in new[] { 1, 2, 4 })
                {
                    Case(device, kernel, new LayerCase(host, size, "cuda"), dtype, sets);
                }
            }
        }
    }

    private static void Case(Device device, ICascadeKernel kernel, LayerCase layerCase, ScalarType dtype, int sets)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var layer = new DendriteLayer(layerCase.CreateHost(), dendrites: sets);
        FusedCheck.Randomise(layer);
        layer.to(device).to(dtype);
        var x = randn(layerCase.InputShape(), dtype: dtype, device: device);
        Tensor host;
        Tensor[] pre;
        using (no_grad())
        {
            host = HostProjection.Single(layer.Spec, x, layer.Weight, layer.Bias);
            pre = layer.Branch.PreActivations(x, DendriteProjection.Fused);
        }

        var u = layer.Branch.Sets.Select(s => (Tensor)s.OutputScale).ToArray();
        var v = layer.Branch.Sets.Select(s => (Tensor?)s.CascadeWeights).ToArray();
        var upstream = randn(host.shape, dtype: dtype, device: device);
        var hostLeaf = host.detach().requires_grad_(true);
        var preLeaves = pre.Select(p => p.detach().requires_grad_(true)).ToArray();
        var inputs = new CascadeInputs(hostLeaf, preLeaves, u, v, layer.Branch.Options.Activation, neuronAxis: 1, mayOverwriteHostOutput: false);

        var reference = Time(device, () => layer.Branch.Combine(hostLeaf, preLeaves), upstream);
        var fused = Time(device, () => kernel.TryCombine(inputs)!, upstream);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {layerCase.Describe()} | {dtype} | {sets} | {reference:0.000} | {fused:0.000} | {reference / fused:0.00}x |"));
        layer.Dispose();
    }

    private static double Time(Device device, Func<Tensor> cascade, Tensor upstream)
    {
        void Step()
        {
            using var scope = NewDisposeScope();
            cascade().backward(new[] { upstream });
        }

        Step();
        Step();
        TorchEnv.Sync(device);
        var rounds = new double[Rounds];
        for (var r = 0; r < Rounds; r++)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < Iterations; i++)
            {
                Step();
            }

            TorchEnv.Sync(device);
            rounds[r] = watch.Elapsed.TotalMilliseconds / Iterations;
        }

        return Medians.Of(rounds);
    }
}
