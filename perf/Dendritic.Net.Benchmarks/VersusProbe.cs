using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// <c>versus-probe [cpu|cuda] [iterations] [out.json]</c>: our layers timed with exactly the protocol of the original's
/// ../shared/anchors/pai_overhead2.py (same cases and shapes, 2 warm-up calls, the median of N timed calls, a training
/// step = gradients set to none, forward, <c>sum().backward()</c>; inference under no_grad), written as JSON rows
/// beside its own. BenchmarkDotNet's suites stay the recorded per-layer results; this exists so that the two programs
/// can be run alternately in one device call (gpu-bench.sh <c>cpu-interleaved</c>), which turns the host's drift
/// (the H200 host's plain convolution ranged 17-34 ms within one of our runs) into noise both programs share.
/// </summary>
internal static class VersusProbe
{
    public static int Run(string[] args)
    {
        var deviceName = args.Length > 0 ? args[0] : "cpu";
        var iterations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 15;
        var outPath = args.Length > 2 ? args[2] : "ours_probe.json";
        var device = TorchEnv.Device(deviceName);
        var heap = BenchHeap.Configure();
        Console.WriteLine($"# versus-probe on {deviceName}: {get_num_threads()} intra-op threads, {get_num_interop_threads()} inter-op threads, {iterations} timed calls, native heap {heap}, forward output {(HoldOutput ? "held through backward" : "let go before backward")}");
        var rows = new List<Dictionary<string, object>>();
        foreach (var (host, size) in new[] { ("Linear", "small"), ("Linear", "large"), ("Conv2d", "small"), ("Conv2d", "large") })
        {
            var layerCase = new LayerCase(host, size, deviceName);
            manual_seed(0);
            using var input = randn(layerCase.InputShape(), device: device);
            using var plain = layerCase.CreateHost();
            plain.to(device);
            var plainTrain = MedianMs(() => TrainStep(plain, input, device), iterations);
            var plainInfer = MedianMs(() => InferStep(plain, input, device), iterations);
            foreach (var d in new[] { 1, 2, 4 })
            {
                using var layer = new DendriteLayer(layerCase.CreateHost(), new DendriteOptions(), d);
                layer.to(device);
                var train = MedianMs(() => TrainStep(layer, input, device), iterations);
                var infer = MedianMs(() => InferStep(layer, input, device), iterations);
                var row = new Dictionary<string, object>
                {
                    ["case"] = $"{host} {size}",
                    ["dtype"] = "float32",
                    ["dendrites"] = d,
                    ["ms_plain_train"] = plainTrain,
                    ["ms_plain_infer"] = plainInfer,
                    ["ms_ours_train"] = train,
                    ["ms_ours_infer"] = infer,
                };
                rows.Add(row);
                Console.WriteLine(JsonSerializer.Serialize(row));
            }
        }

        File.WriteAllText(outPath, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    /// <summary>
    /// Whether <see cref="TrainStep"/> keeps the forward output until the step ends (<c>DENDRITIC_PROBE_OUTPUT=hold</c>,
    /// the protocol of every run up to 14) instead of letting it go before backward, as Python does.
    /// </summary>
    private static readonly bool HoldOutput = string.Equals(Environment.GetEnvironmentVariable("DENDRITIC_PROBE_OUTPUT"), "hold", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// One training step by the original's protocol: gradients set to none, forward, <c>sum().backward()</c>, sync.
    /// In the original's <c>m(x).float().sum().backward()</c> the forward output is a temporary that CPython frees as
    /// soon as <c>sum()</c> has returned, before backward runs (sum's backward saves nothing), so backward's
    /// output-sized buffers can reuse its memory; the output is let go at the same point here.
    /// </summary>
    internal static void TrainStep(nn.Module<Tensor, Tensor> module, Tensor input, Device device)
    {
        foreach (var p in module.parameters())
        {
            p.grad = null; // as zero_grad(set_to_none=True): backward allocates fresh gradients, as in the original's loop
        }

        using (var scope = NewDisposeScope())
        {
            var output = module.call(input);
            var sum = output.sum();
            if (!HoldOutput)
            {
                // Our handle only: autograd keeps whatever a backward formula saved.
                output.Dispose();
            }

            sum.backward();
        }

        TorchEnv.Sync(device);
    }

    /// <summary>One inference step by the original's protocol: a forward under no_grad, sync.</summary>
    internal static void InferStep(nn.Module<Tensor, Tensor> module, Tensor input, Device device)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        module.call(input);
        TorchEnv.Sync(device);
    }

    private static double MedianMs(Action step, int iterations)
    {
        for (var i = 0; i < 2; i++)
        {
            step();
        }

        var times = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            step();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return Medians.Of(times);
    }
}
