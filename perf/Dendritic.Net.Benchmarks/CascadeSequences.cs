using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// <c>cascade-sequences [rounds] [D list] [cases]</c>: the .NET side of <c>probes/cascade_sequences.py</c>, on the CPU and
/// with its protocol exactly (per round and variant: one warm call, then two timed calls of the training step and two of
/// no_grad inference, variants interleaved; medians over rounds). Variants: the plain host, our DendriteLayer with the
/// default cascade (<see cref="DendriteCascade.Auto"/>) and with <see cref="DendriteCascade.Reference"/>
/// and the Python probe's "original" and "inplace" op sequences written out in TorchSharp (<see cref="ReplayedCascade"/>)
/// and the library's CPU cascade node at any D, "cpucascade" (<c>VARIANTS=plain,ours,ours_reference,original,inplace,cpucascade</c>
/// picks some). Run both
/// programs on the same cores one after the other to tell the cost of the operations (the same in both processes) from
/// the cost of the process (.NET and TorchSharp against Python), issue 19. <c>train_faults</c>: minor page faults per
/// training step (median over rounds), fresh memory the step touched.
/// </summary>
internal static class CascadeSequences
{
    private static readonly string[] AllCases = { "Linear small", "Linear large", "Conv2d small", "Conv2d large" };

    /// <summary>Prints one JSON line per case, D and variant.</summary>
    /// <param name="args">Rounds (default 5), D list (default "1,2"), comma-separated cases (default all four).</param>
    /// <returns>0, or 2 for bad arguments.</returns>
    public static int Run(string[] args)
    {
        var rounds = args.Length == 0 ? 5 : int.TryParse(args[0], CultureInfo.InvariantCulture, out var r) ? r : 0;
        var dendrites = (args.Length > 1 ? args[1] : "1,2").Split(',').Select(d => int.TryParse(d, CultureInfo.InvariantCulture, out var n) ? n : 0).ToArray();
        var cases = (args.Length > 2 ? args[2] : string.Join(',', AllCases)).Split(',');
        if (rounds < 1 || dendrites.Any(d => d < 1) || cases.Any(c => !AllCases.Contains(c)))
        {
            Console.Error.WriteLine($"cascade-sequences [rounds >= 1] [D list, e.g. 1,2] [cases from: {string.Join(", ", AllCases)}]");
            return 2;
        }

        var heap = BenchHeap.Configure();
        // VARIANTS=plain,ours,... limits the variants, as it does in the Python probe.
        var wanted = Environment.GetEnvironmentVariable("VARIANTS")?.Split(',');
        Console.WriteLine(JsonSerializer.Serialize(new { torchsharp = typeof(Tensor).Assembly.GetName().Version?.ToString(), threads = get_num_threads(), rounds, heap }));
        foreach (var name in cases)
        {
            var parts = name.Split(' ');
            var layerCase = new LayerCase(parts[0], parts[1], "cpu");
            manual_seed(0);
            using var input = randn(layerCase.InputShape());
            foreach (var d in dendrites)
            {
                using var plain = layerCase.CreateHost();
                using var auto = new DendriteLayer(layerCase.CreateHost(), new DendriteOptions(), d);
                using var reference = new DendriteLayer(layerCase.CreateHost(), new DendriteOptions { Cascade = DendriteCascade.Reference }, d);
                using var original = new ReplayedCascade(layerCase, d, ReplayedSequence.Original);
                using var inPlace = new ReplayedCascade(layerCase, d, ReplayedSequence.InPlace);
                using var cpuCascade = new ReplayedCascade(layerCase, d, ReplayedSequence.CpuCascade);
                var variants = new (string Name, nn.Module<Tensor, Tensor> Module)[]
                    {
                        ("plain", plain), ("ours", auto), ("ours_reference", reference), ("original", original), ("inplace", inPlace),
                        ("cpucascade", cpuCascade),
                    }
                    .Where(v => wanted is null || wanted.Contains(v.Name)).ToArray();
                var times = variants.ToDictionary(v => v.Name, _ => (Train: new List<double>(), Infer: new List<double>()));
                var faults = variants.ToDictionary(v => v.Name, _ => new List<double>());
                foreach (var (_, module) in variants)
                {
                    VersusProbe.TrainStep(module, input, CPU);
                    VersusProbe.InferStep(module, input, CPU);
                }

                for (var round = 0; round < rounds; round++)
                {
                    foreach (var (variantName, module) in variants)
                    {
                        var before = ProcessMemory.MinorFaults();
                        times[variantName].Train.Add(TwoCalls(() => VersusProbe.TrainStep(module, input, CPU)));
                        faults[variantName].Add((ProcessMemory.MinorFaults() - before) / 3);
                        times[variantName].Infer.Add(TwoCalls(() => VersusProbe.InferStep(module, input, CPU)));
                    }
                }

                foreach (var (variantName, _) in variants)
                {
                    Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                    {
                        ["case"] = name,
                        ["dendrites"] = d,
                        ["variant"] = variantName,
                        ["train_ms"] = Math.Round(Medians.Of(times[variantName].Train), 2),
                        ["infer_ms"] = Math.Round(Medians.Of(times[variantName].Infer), 2),
                        ["train_faults"] = Math.Round(Medians.Of(faults[variantName])),
                    }));
                }
            }
        }

        return 0;
    }

    /// <summary>One warm call, then the mean of two timed calls (ms), as the Python probe times them.</summary>
    private static double TwoCalls(Action step)
    {
        step();
        var start = Stopwatch.GetTimestamp();
        step();
        step();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds / 2;
    }
}
