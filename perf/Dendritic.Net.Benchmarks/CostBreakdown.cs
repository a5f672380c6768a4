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
/// <c>breakdown [cpu|cuda] [rounds] [cases] [D list] [dtype] [variants]</c>: where a layer's time goes, per case and D. Times
/// the pieces of one training step (host call, the dendrite projections fused and separate, the cascade, each with its
/// backward) and the whole layer on each projection path, in interleaved rounds (every variant once per round, so that a
/// load change hits all variants alike) and prints medians in ms. <c>variants</c>, phrases separated by <c>|</c>, keeps
/// the variants whose name contains one of them (e.g. <c>plain train|ours train, separate</c>), so that an A/B gets more
/// rounds in the time. For A/B of paths on one machine; BenchmarkDotNet's suites remain the recorded results.
/// </summary>
internal static class CostBreakdown
{
    public static int Run(string[] args)
    {
        var deviceName = args.Length > 0 ? args[0] : "cpu";
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7;
        var cases = args.Length > 2 ? args[2].Split(',') : new[] { "Linear/small", "Linear/large", "Conv2d/small", "Conv2d/large" };
        var counts = args.Length > 3 ? args[3].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : new[] { 1, 2, 4 };
        var dtypeName = args.Length > 4 ? args[4] : "float32";
        var only = args.Length > 5 ? args[5].Split('|') : null;
        var dtype = TorchEnv.DType(dtypeName);
        var device = TorchEnv.Device(deviceName);
        Console.WriteLine($"# breakdown on {deviceName}, {dtypeName}, {get_num_threads()} threads, {rounds} interleaved rounds, median ms");
        // "host ms": until the last operation was queued, before the device is synchronised. On CUDA, when it comes
        // close to the median, the step is bound by the CPU's dispatch of kernels (TorchSharp, autograd), not the GPU.
        Console.WriteLine("| case | D | variant | median ms | min ms | host ms | page faults / call |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|---:|");
        var csv = new List<string> { "case,dendrites,variant,median_ms,min_ms,host_ms,minor_faults" };
        foreach (var name in cases)
        {
            var parts = name.Split('/');
            foreach (var d in counts)
            {
                foreach (var (variant, median, min, host, faults) in Measure(new LayerCase(parts[0], parts[1], deviceName), device, dtype, d, rounds, only))
                {
                    Console.WriteLine(FormattableString.Invariant($"| {name} | {d} | {variant} | {median:F3} | {min:F3} | {host:F3} | {faults:F0} |"));
                    csv.Add(FormattableString.Invariant($"{name},{d},\"{variant}\",{median:F4},{min:F4},{host:F4},{faults:F0}"));
                }
            }
        }

        WriteCsv($"breakdown-{deviceName}-{dtypeName}.csv", csv);
        return 0;
    }

    /// <summary>Writes <paramref name="lines"/> to <paramref name="fileName"/> in the folder $OUT names, when it names one.</summary>
    internal static void WriteCsv(string fileName, IEnumerable<string> lines)
    {
        var outDir = Environment.GetEnvironmentVariable("OUT");
        if (!string.IsNullOrEmpty(outDir))
        {
            File.WriteAllLines(Path.Combine(outDir, fileName), lines);
        }
    }

    private static List<(string Variant, double Median, double Min, double Host, double Faults)> Measure(LayerCase layerCase, Device device, ScalarType dtype, int d, int rounds, string[]? only)
    {
        manual_seed(42);
        using var host = layerCase.CreateHost();
        host.to(device).to(dtype);
        var fused = new DendriteLayer(layerCase.CreateHost(), new DendriteOptions { Projection = DendriteProjection.Fused }, d);
        fused.to(device).to(dtype);
        var separate = new DendriteLayer(layerCase.CreateHost(), new DendriteOptions { Projection = DendriteProjection.Separate }, d);
        separate.to(device).to(dtype);
        var withHost = new DendriteLayer(layerCase.CreateHost(), new DendriteOptions { Projection = DendriteProjection.FusedWithHost }, d);
        withHost.to(device).to(dtype);
        var reference = new DendriteLayer(layerCase.CreateHost(), new DendriteOptions { Projection = DendriteProjection.Separate, Cascade = DendriteCascade.Reference }, d);
        reference.to(device).to(dtype);
        using var input = randn(layerCase.InputShape(), dtype: dtype, device: device);
        Tensor gradOutput;
        using (no_grad())
        {
            gradOutput = randn_like(host.call(input));
        }

        var branch = fused.Branch;
        var variants = new List<(string Name, Action Body)>
        {
            ("plain train", () => Step(host, input, gradOutput)),
            ("ours train, fused", () => Step(fused, input, gradOutput)),
            ("ours train, separate", () => Step(separate, input, gradOutput)),
            ("ours train, separate, reference cascade", () => Step(reference, input, gradOutput)),
            ("ours train, separate, handles kept", () => StepKeepingHandles(separate, input, gradOutput)),
            ("ours train, fused with host", () => Step(withHost, input, gradOutput)),
            ("plain infer", () => Infer(host, input)),
            ("ours infer, fused", () => Infer(fused, input)),
            ("ours infer, separate", () => Infer(separate, input)),
            ("ours infer, separate, reference cascade", () => Infer(reference, input)),
            ("ours infer, fused with host", () => Infer(withHost, input)),
            ("host fwd", () => Scoped(() => HostProjection.Single(fused.Spec, input, fused.Weight, fused.Bias))),
            ("proj fwd, fused", () => Scoped(() => branch.PreActivations(input, DendriteProjection.Fused))),
            ("proj fwd, separate", () => Scoped(() => branch.PreActivations(input, DendriteProjection.Separate))),
            ("proj fwd+bwd, fused", () => Backward(branch, () => branch.PreActivations(input, DendriteProjection.Fused), gradOutput)),
            ("proj fwd+bwd, separate", () => Backward(branch, () => branch.PreActivations(input, DendriteProjection.Separate), gradOutput)),
        };
        if (d > 0)
        {
            // The cascade alone, on pre-activations computed outside the timing (no projection backward).
            variants.Add(("cascade fwd+bwd, out of place", () => Cascade(branch, input, gradOutput, inPlace: false)));
            variants.Add(("cascade fwd+bwd, in place", () => Cascade(branch, input, gradOutput, inPlace: true)));
            if (device.type == DeviceType.CPU && dtype == ScalarType.Float32 && d >= CpuCascadeKernel.MinSets)
            {
                variants.Add(("cascade fwd+bwd, cpu kernel", () => Cascade(branch, input, gradOutput, inPlace: true, kernel: true)));
            }
        }

        if (only is not null)
        {
            variants = variants.Where(v => only.Any(o => v.Name.Contains(o, StringComparison.Ordinal))).ToList();
        }

        var timed = TimeRounds(variants.Select(v => v.Body).ToList(), rounds, device);
        gradOutput.Dispose();
        fused.Dispose();
        separate.Dispose();
        withHost.Dispose();
        reference.Dispose();
        return variants.Select((v, i) => (v.Name, timed[i].Median, timed[i].Min, timed[i].Host, timed[i].Faults)).ToList();
    }

    /// <summary>
    /// Calls each of <paramref name="bodies"/> once to warm it up, then times them in <paramref name="rounds"/>
    /// interleaved rounds (every body once per round, in order, so that a change of load hits all alike). Per body: the
    /// median and least time until the device is synchronised, the median host time (until the last operation is
    /// queued), all in ms, and the median count of minor page faults per call.
    /// </summary>
    internal static List<(double Median, double Min, double Host, double Faults)> TimeRounds(IReadOnlyList<Action> bodies, int rounds, Device device)
    {
        var times = bodies.Select(_ => new List<double>()).ToArray();
        var faults = bodies.Select(_ => new List<double>()).ToArray();
        var hostTimes = bodies.Select(_ => new List<double>()).ToArray();
        foreach (var body in bodies)
        {
            body(); // warm-up
        }

        for (var r = 0; r < rounds; r++)
        {
            for (var i = 0; i < bodies.Count; i++)
            {
                var faultsBefore = ProcessMemory.MinorFaults();
                var clock = Stopwatch.StartNew();
                bodies[i]();
                hostTimes[i].Add(clock.Elapsed.TotalMilliseconds);
                TorchEnv.Sync(device);
                times[i].Add(clock.Elapsed.TotalMilliseconds);
                faults[i].Add(ProcessMemory.MinorFaults() - faultsBefore);
            }
        }

        return bodies.Select((_, i) => (Medians.Of(times[i]), times[i].Min(), Medians.Of(hostTimes[i]), Medians.Of(faults[i]))).ToList();
    }

    internal static void Step(nn.Module<Tensor, Tensor> module, Tensor input, Tensor gradOutput)
    {
        using (NewDisposeScope())
        {
            module.call(input).backward(new[] { gradOutput });
        }

        module.zero_grad();
    }

    /// <summary>The layer's training step as it was before handles were released: every tensor lives to the scope's end.</summary>
    private static void StepKeepingHandles(DendriteLayer layer, Tensor input, Tensor gradOutput)
    {
        using (NewDisposeScope())
        {
            var hostOutput = HostProjection.Single(layer.Spec, input, layer.Weight, layer.Bias);
            var output = layer.Branch.CombineInPlace(hostOutput, layer.Branch.PreActivations(input, DendriteProjection.Separate));
            output.backward(new[] { gradOutput });
        }

        layer.zero_grad();
    }

    internal static void Infer(nn.Module<Tensor, Tensor> module, Tensor input)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        module.call(input);
    }

    internal static void Scoped(Func<object> body)
    {
        using var scope = NewDisposeScope();
        body();
    }

    private static void Backward(nn.Module module, Func<Tensor[]> forward, Tensor gradOutput)
    {
        using (NewDisposeScope())
        {
            var pre = forward();
            autograd.backward(pre, pre.Select(_ => gradOutput).ToArray());
        }

        module.zero_grad();
    }

    private static void Cascade(DendriteBranch branch, Tensor input, Tensor gradOutput, bool inPlace, bool kernel = false)
    {
        using (NewDisposeScope())
        {
            Tensor[] pre;
            Tensor hostOutput;
            using (no_grad())
            {
                pre = branch.PreActivations(input, DendriteProjection.Separate);
                hostOutput = zeros_like(gradOutput);
            }

            // Leaves that require grad stand in for the projections, so backward stops at the cascade; both variants
            // copy them once (x * 1), as autograd forbids changing a leaf in place.
            pre = pre.Select(p => p.requires_grad_(true) * 1).ToArray();
            hostOutput = hostOutput.requires_grad_(true) * 1;
            var output = kernel ? CpuKernel(branch, hostOutput, pre)
                : inPlace ? branch.CombineInPlace(hostOutput, pre) : branch.Combine(hostOutput, pre);
            output.backward(new[] { gradOutput });
        }

        branch.zero_grad();
    }

    /// <summary>The built-in CPU cascade on the given tensors; throws where it declines, so a timing never measures the wrong path.</summary>
    private static Tensor CpuKernel(DendriteBranch branch, Tensor hostOutput, Tensor[] pre)
    {
        return CpuCascadeKernel.TryCombine(branch.CascadeInputsFor(hostOutput, pre, mayOverwriteHostOutput: false), preActivationsOwned: true)
            ?? throw new InvalidOperationException("The CPU cascade declined this case (device, dtype or size).");
    }
}
