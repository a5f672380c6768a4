using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// The "soak" mode: a long training run per variant, each in a fresh child process, printing resident memory, the
/// native heap's in-use bytes and (on CUDA) device memory every <c>--every</c> steps, then each variant's growth per
/// 1,000 steps after warm-up. No forced collections and no GC settings: memory that only finalizers free shows up.
/// "undisposed tensors" is TorchSharp's count of tensors created and not disposed on the training thread (a finalizer
/// runs on another thread, so a tensor dropped undisposed stays counted): after warm-up it grows by every tensor the
/// loop leaves to finalizers, whatever the machine's collection rhythm. The model's parameters count as live.
/// <c>soak [--steps 20000] [--every 1000] [--model mlp] [--device cpu|cuda] [--variants plain,wrapped,scheduler,disable]</c>.
/// </summary>
internal static class Soak
{
    private const int Batch = 64;
    private const int Batches = 16;
    private static readonly string[] AllVariants = { "plain", "wrapped", "scheduler", "disable" };

    /// <summary>Runs every variant in a child process and prints Markdown tables.</summary>
    public static int Run(string[] args)
    {
        var steps = IntArg(args, "--steps", 20000);
        var every = IntArg(args, "--every", 1000);
        var model = Arg(args, "--model") ?? "mlp";
        var device = Arg(args, "--device") ?? "cpu";
        var variants = Arg(args, "--variants")?.Split(',') ?? AllVariants;
        if (model != "mlp")
        {
            Console.Error.WriteLine($"Unknown model '{model}': the soak has mlp (784-64-10) only.");
            return 2;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak: {model} 784-64-10, batch {Batch}, Adam, {steps} steps, device {device}, {Environment.ProcessorCount} logical CPUs, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        var growth = new Dictionary<string, (double Rss, double Heap, double Device, long Waiting)>();
        foreach (var variant in variants)
        {
            var samples = RunChild(variant, model, device, steps, every);
            if (samples.Count < 3)
            {
                Console.WriteLine($"\n{variant}: failed");
                continue;
            }

            Console.WriteLine($"\n### {variant}\n");
            Console.WriteLine("| step | resident MiB | native heap in use MiB | native heap held MiB | .NET heap committed at the last GC MiB | device in use MiB | undisposed tensors | GCs gen0/1/2 | dendrites |");
            Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
            foreach (var s in samples)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {s.Step} | {s.Rss:0} | {s.Heap:0} | {s.Held:0} | {s.Managed:0} | {Show(s.Device)} | {s.Tensors} | {s.Gen0}/{s.Gen1}/{s.Gen2} | {s.Dendrites} |"));
            }

            growth[variant] = Growth(samples, every);
        }

        Console.WriteLine($"\n### growth per 1,000 steps after warm-up (from step {2 * every})\n");
        Console.WriteLine("| variant | resident MiB | native heap MiB | device MiB | resident, ratio to plain | undisposed tensors, growth after warm-up |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (variant, g) in growth)
        {
            var ratio = growth.TryGetValue("plain", out var plain) && Math.Abs(plain.Rss) > 0.05 ? (g.Rss / plain.Rss).ToString("0.0", CultureInfo.InvariantCulture) : "-";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {variant} | {g.Rss:0.0} | {g.Heap:0.0} | {Show(g.Device, "0.0")} | {ratio} | {g.Waiting} |"));
        }

        return growth.Count == variants.Length ? 0 : 1;
    }

    /// <summary>One variant in this process; prints one line per sample.</summary>
    public static int RunOne(string variant, string model, string deviceName, int steps, int every)
    {
        if (model != "mlp")
        {
            throw new ArgumentOutOfRangeException(nameof(model), model, "The soak has the mlp model only.");
        }

        manual_seed(17);
        var device = TorchEnv.Device(deviceName);
        var net = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10));
        net.to(device);
        DendriticModel? handle = variant == "plain" ? null : Dendrites.Wrap(net, new WrapOptions { InitialDendrites = 1 });
        GrowthScheduler? scheduler = variant == "scheduler"
            ? new GrowthScheduler(handle!, new GrowthOptions { Patience = 0, MaxRetries = 1000, MaxDendrites = 3 })
            : null;
        var inputs = Enumerable.Range(0, Batches).Select(_ => randn(new long[] { Batch, 784 }, device: device)).ToArray();
        var labels = Enumerable.Range(0, Batches).Select(_ => randint(0, 10, new long[] { Batch }, device: device)).ToArray();
        var optimizer = optim.Adam(net.parameters(), 1e-3);
        Sample(0, device, handle);
        for (var step = 1; step <= steps; step++)
        {
            using (NewDisposeScope())
            {
                using var off = variant == "disable" && step % 2 == 0 ? handle!.Disable() : null;
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(net.call(inputs[step % Batches]), labels[step % Batches]);
                loss.backward();
                optimizer.step();
            }

            if (step % every == 0)
            {
                if (scheduler is not null && !scheduler.IsCompleted)
                {
                    var validation = step / every;

                    // Scripted scores: only the 1st and 4th validations improve, so the scheduler grows twice and
                    // otherwise reverts and retries at every validation.
                    var decision = scheduler.Step(validation == 1 ? 1.0 : validation == 4 ? 2.0 : 0.5);
                    if (decision.Action == GrowthAction.DendritesAdded)
                    {
                        optimizer.Dispose();
                        optimizer = optim.Adam(decision.TrainableParameters, 1e-3);
                    }
                }

                Sample(step, device, handle);
            }
        }

        return 0;
    }

    private static void Sample(int step, Device device, DendriticModel? handle) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{step} {ProcessMemory.ResidentMiB():0.0} {ProcessMemory.NativeHeapInUseMiB():0.0} {ProcessMemory.DeviceInUseMiB(device):0.0} {GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)} {handle?.DendriteCount ?? 0} {DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount} {ProcessMemory.NativeHeapHeldMiB():0.0} {GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0:0.0}"));

    private static List<SoakSample> RunChild(string variant, string model, string device, int steps, int every)
    {
        var host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Soak).Assembly.Location);
        }

        foreach (var a in new[] { "soak-one", variant, model, device, steps.ToString(CultureInfo.InvariantCulture), every.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }

        var samples = new List<SoakSample>();
        using var child = Process.Start(start)!;
        while (child.StandardOutput.ReadLine() is { } line)
        {
            var p = line.Split(' ');
            if (p.Length == 11 && int.TryParse(p[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var step))
            {
                double D(int i) => double.Parse(p[i], CultureInfo.InvariantCulture);
                int I(int i) => int.Parse(p[i], CultureInfo.InvariantCulture);
                samples.Add(new SoakSample(step, D(1), D(2), D(3), I(4), I(5), I(6), I(7), long.Parse(p[8], CultureInfo.InvariantCulture), D(9), D(10)));
                Console.Error.WriteLine($"{variant}: {line}");
            }
        }

        child.WaitForExit();
        return child.ExitCode == 0 ? samples : new List<SoakSample>();
    }

    /// <summary>
    /// Growth per 1,000 steps between the sample at two intervals (warm-up) and the last, and the undisposed tensors
    /// added over that span.
    /// </summary>
    private static (double Rss, double Heap, double Device, long Waiting) Growth(List<SoakSample> samples, int every)
    {
        var after = samples.Where(s => s.Step >= 2 * every).ToList();
        var warm = after[0];
        var last = samples[^1];
        var thousands = (last.Step - warm.Step) / 1000.0;
        var waiting = last.Tensors - warm.Tensors;
        return ((last.Rss - warm.Rss) / thousands, (last.Heap - warm.Heap) / thousands, (last.Device - warm.Device) / thousands, waiting);
    }

    private static string Show(double value, string format = "0") => double.IsNaN(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int IntArg(string[] args, string name, int fallback) =>
        Arg(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    private sealed record SoakSample(int Step, double Rss, double Heap, double Device, int Gen0, int Gen1, int Gen2, int Dendrites, long Tensors, double Held, double Managed);
}
