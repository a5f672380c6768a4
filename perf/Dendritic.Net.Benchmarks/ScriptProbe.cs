using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Dendritic.Cuda;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// <c>script-probe [rounds] [steps] [sizes]</c>: issue #10's two routes side by side on the layer suites' shapes
/// (float32 and bfloat16, Linear and Conv2d, D = 1, 2, 4; sizes "small,large" by default), training step and
/// inference by the original's protocol (<see cref="VersusProbe.TrainStep"/>, <see cref="VersusProbe.InferStep"/>).
/// Variants, timed in turn within each round (the order rotating round by round): the plain layer, the reference
/// cascade, the fused CUDA kernel with the fused and with separate projections, the cascade as a TorchScript function
/// (<see cref="ScriptedCascade"/>) and the whole layer as one (<see cref="ScriptedLayer"/>). Median milliseconds of
/// rounds x steps synchronised steps, printed as ratios to the plain layer, with the largest difference of the
/// TorchScript cascade's output and gradients from the reference path's. On a machine without CUDA the kernel
/// columns are empty.
/// </summary>
internal static class ScriptProbe
{
    /// <summary>Prints the table.</summary>
    /// <param name="args">The mode's arguments after <c>script-probe</c>.</param>
    /// <returns>0, or 2 for bad arguments.</returns>
    public static int Run(string[] args)
    {
        var rounds = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var r) ? r : 0;
        var steps = args.Length > 1 && int.TryParse(args[1], CultureInfo.InvariantCulture, out var s) ? s : 0;
        var sizes = args.Length > 2 ? args[2].Split(',') : new[] { "small", "large" };
        if (args.Length < 2 || rounds < 1 || steps < 1 || sizes.Any(z => z is not ("small" or "large")))
        {
            Console.Error.WriteLine("script-probe rounds steps [small,large]: rounds and steps must be whole numbers of at least 1.");
            return 2;
        }

        var device = cuda.is_available() ? CUDA : CPU;
        var deviceName = device.type == DeviceType.CUDA ? "cuda" : "cpu";
        ICascadeKernel? fused = null;
        if (device.type == DeviceType.CUDA)
        {
            CudaCascade.Enable();
            fused = CascadeKernels.Current;
        }

        var scripted = new ScriptedCascade();
        Console.WriteLine($"# script-probe on {deviceName}: {rounds} rounds x {steps} steps per variant, median ms of the plain layer, the others as ratios to it");
        Console.WriteLine("| dtype | case | D | step | plain ms | reference | fused kernel | fused kernel, separate projections | TorchScript cascade | TorchScript layer | TorchScript cascade's largest difference (output, relative gradient) |");
        Console.WriteLine("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|");
        try
        {
            foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
            {
                foreach (var size in sizes)
                {
                    foreach (var host in new[] { "Linear", "Conv2d" })
                    {
                        Case(new LayerCase(host, size, deviceName), dtype, device, rounds, steps, fused, scripted);
                    }
                }
            }
        }
        finally
        {
            CascadeKernels.Current = null;
        }

        return 0;
    }

    private static void Case(LayerCase layerCase, ScalarType dtype, Device device, int rounds, int steps, ICascadeKernel? fused, ScriptedCascade scripted)
    {
        manual_seed(0);
        using var input = randn(layerCase.InputShape(), dtype: dtype, device: device);
        using var plain = layerCase.CreateHost();
        plain.to(dtype).to(device);
        foreach (var d in new[] { 1, 2, 4 })
        {
            using var layer = Layer(layerCase, d, DendriteProjection.Auto, dtype, device);
            using var separate = Layer(layerCase, d, DendriteProjection.Separate, dtype, device);
            using var whole = new ScriptedLayer(Layer(layerCase, d, DendriteProjection.Auto, dtype, device));
            var difference = Difference(layer, input, scripted);
            foreach (var train in new[] { true, false })
            {
                Action Step(nn.Module<Tensor, Tensor> module, ICascadeKernel? kernel) => () =>
                {
                    CascadeKernels.Current = kernel;
                    if (train)
                    {
                        VersusProbe.TrainStep(module, input, device);
                    }
                    else
                    {
                        VersusProbe.InferStep(module, input, device);
                    }
                };

                var medians = Alternate(
                    rounds,
                    steps,
                    Step(plain, null),
                    Step(layer, null),
                    fused is null ? null : Step(layer, fused),
                    fused is null ? null : Step(separate, fused),
                    Step(layer, scripted),
                    Step(whole, null));
                var p = medians[0];
                string Ratio(double v) => double.IsNaN(v) ? "" : (v / p).ToString("0.00", CultureInfo.InvariantCulture);
                Console.WriteLine(FormattableString.Invariant(
                    $"| {dtype} | {layerCase.Host} {layerCase.Size} | {d} | {(train ? "training" : "inference")} | {p:0.000} | {Ratio(medians[1])} | {Ratio(medians[2])} | {Ratio(medians[3])} | {Ratio(medians[4])} | {Ratio(medians[5])} | {difference} |"));
            }
        }
    }

    /// <summary>A layer of the case with D sets whose u and v are not zero, so that every set contributes.</summary>
    private static DendriteLayer Layer(LayerCase layerCase, int sets, DendriteProjection projection, ScalarType dtype, Device device)
    {
        var layer = new DendriteLayer(layerCase.CreateHost(), new DendriteOptions { Projection = projection }, sets);
        layer.to(dtype).to(device);
        using (no_grad())
        {
            foreach (var set in layer.Branch.Sets)
            {
                set.OutputScale.normal_(0, 0.1);
                set.CascadeWeights?.normal_(0, 0.1);
            }
        }

        return layer;
    }

    /// <summary>
    /// The largest difference of the TorchScript cascade from the reference path: absolute on the output, and on each
    /// parameter's gradient relative to that gradient's largest magnitude (the loss sums squares over a whole batch).
    /// </summary>
    private static string Difference(DendriteLayer layer, Tensor input, ScriptedCascade scripted)
    {
        using var scope = NewDisposeScope();
        var results = new[] { (ICascadeKernel?)null, scripted }.Select(kernel =>
        {
            CascadeKernels.Current = kernel;
            foreach (var p in layer.parameters())
            {
                p.grad = null;
            }

            var output = layer.call(input);
            output.to(ScalarType.Float32).square().sum().backward();
            return (Output: output.detach().to(ScalarType.Float32), Gradients: layer.parameters().Select(p => p.grad!.to(ScalarType.Float32)).ToArray());
        }).ToArray();
        CascadeKernels.Current = null;
        var outputDifference = (results[0].Output - results[1].Output).abs().max().item<float>();
        var gradientDifference = results[0].Gradients.Zip(results[1].Gradients)
            .Max(g => (g.First - g.Second).abs().max().item<float>() / Math.Max(g.First.abs().max().item<float>(), float.Epsilon));
        return FormattableString.Invariant($"{outputDifference:0.0e0}, {gradientDifference:0.0e0}");
    }

    /// <summary>
    /// Warms every variant up, then runs <paramref name="rounds"/> rounds of <paramref name="steps"/> timed steps per
    /// variant, the order rotating round by round; the median of each variant's step times (NaN for a null one).
    /// </summary>
    private static double[] Alternate(int rounds, int steps, params Action?[] variants)
    {
        var times = variants.Select(_ => new List<double>()).ToArray();
        for (var w = 0; w < 5; w++)
        {
            foreach (var variant in variants)
            {
                variant?.Invoke();
            }
        }

        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < variants.Length; k++)
            {
                var index = (k + round) % variants.Length;
                if (variants[index] is not { } variant)
                {
                    continue;
                }

                for (var step = 0; step < steps; step++)
                {
                    var start = Stopwatch.GetTimestamp();
                    variant();
                    times[index].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
        }

        return times.Select(t => t.Count == 0 ? double.NaN : Medians.Of(t)).ToArray();
    }
}
