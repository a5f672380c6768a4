using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dendritic.Cuda;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// <c>kernel-breakdown [rounds] [cases] [D list] [dtype]</c> (CUDA, fused kernel): where the training step of a layer
/// with the fused cascade kernel spends its time beyond (1 + D) plain steps (issue 10's large bfloat16 Linear cells).
/// Times, in interleaved rounds, the whole step with the kernel node taking the fused projection's whole output and
/// with it taking the per-set chunks (autograd then concatenates their gradients), with twice the launcher's blocks per
/// multiprocessor, the reference cascade, and the pieces: the projection with its backward, the weight concatenation,
/// the gradient concatenation the whole output avoids, and the kernel alone on precomputed pre-activations (training:
/// its node forward and backward; inference: its forward kernel); plus the inference step. Prints medians in ms and,
/// with OUT set, writes a CSV.
/// </summary>
internal static class KernelBreakdown
{
    public static int Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 15;
        var cases = args.Length > 1 ? args[1].Split(',') : new[] { "Linear/large" };
        var counts = args.Length > 2 ? args[2].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : new[] { 1, 2, 4 };
        var dtypeName = args.Length > 3 ? args[3] : "bfloat16";
        var dtype = TorchEnv.DType(dtypeName);
        var device = TorchEnv.Device("cuda");

        // Enable once for the native libraries and the compile check; the variants then register their own instances.
        CudaCascade.Enable();
        CudaCascade.Disable();
        var modules = new CudaModuleCache();
        var launcher = new CudaLauncher(modules);
        var kernels = new Kernels(
            new FusedCascadeKernel(launcher, FusedCascadeKernel.OneSetTrainingMinBytes, takeWhole: true),
            new FusedCascadeKernel(launcher, FusedCascadeKernel.OneSetTrainingMinBytes, takeWhole: false),
            new FusedCascadeKernel(new CudaLauncher(modules, 2 * CudaLauncher.DefaultBlocksPerMultiprocessor), FusedCascadeKernel.OneSetTrainingMinBytes),
            new FusedCascadeKernel(launcher)); // no one-set rule: the kernel alone is timed at every size

        Console.WriteLine($"# kernel breakdown on cuda, {dtypeName}, {rounds} interleaved rounds, median ms");
        Console.WriteLine("| case | D | variant | median ms | min ms | host ms |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|");
        var csv = new List<string> { "case,dendrites,variant,median_ms,min_ms,host_ms" };
        foreach (var name in cases)
        {
            var parts = name.Split('/');
            foreach (var d in counts)
            {
                var layerCase = new LayerCase(parts[0], parts[1], "cuda");
                foreach (var (variant, median, min, host) in Measure(layerCase, device, dtype, d, rounds, kernels))
                {
                    Console.WriteLine(FormattableString.Invariant($"| {name} | {d} | {variant} | {median:F3} | {min:F3} | {host:F3} |"));
                    csv.Add(FormattableString.Invariant($"{name},{d},\"{variant}\",{median:F4},{min:F4},{host:F4}"));
                }
            }
        }

        CostBreakdown.WriteCsv($"kernel-breakdown-{dtypeName}.csv", csv);
        return 0;
    }

    private static List<(string Variant, double Median, double Min, double Host)> Measure(
        LayerCase layerCase, Device device, ScalarType dtype, int d, int rounds, Kernels kernels)
    {
        manual_seed(42);
        using var host = layerCase.CreateHost();
        host.to(device).to(dtype);
        using var layer = new DendriteLayer(layerCase.CreateHost(), new DendriteOptions { Projection = DendriteProjection.Fused }, d);
        layer.to(device).to(dtype);
        using var input = randn(layerCase.InputShape(), dtype: dtype, device: device);
        using var gradOutput = RandnLike(host, input);
        var branch = layer.Branch;
        var axis = layerCase.Host == "Linear" ? (int)gradOutput.dim() - 1 : 1;
        var weights = branch.Sets.Select(s => (Tensor)s.Weight).ToArray();
        using var gradWhole = cat(Enumerable.Repeat(gradOutput, d).ToArray(), axis);
        Tensor projection;
        using (no_grad())
        {
            var biases = branch.Sets.Select(s => (Tensor?)s.Bias).ToArray();
            var (whole, parts) = HostProjection.FusedWithWhole(layer.Spec, input, weights, biases);
            projection = (whole ?? parts[0]).detach();
        }

        using var precomputed = projection;
        using var hostOutput = zeros_like(gradOutput);

        var variants = new List<(string Name, ICascadeKernel? Kernel, Action Body)>
        {
            ("plain train", null, () => CostBreakdown.Step(host, input, gradOutput)),
            ("ours train, kernel, whole output", kernels.Whole, () => CostBreakdown.Step(layer, input, gradOutput)),
            ("ours train, kernel, chunks", kernels.Chunks, () => CostBreakdown.Step(layer, input, gradOutput)),
            ("ours train, kernel, 16 blocks per SM", kernels.Wide, () => CostBreakdown.Step(layer, input, gradOutput)),
            ("ours train, reference cascade", null, () => CostBreakdown.Step(layer, input, gradOutput)),
            ("proj fwd+bwd, whole output", null, () => ProjectionStep(layer, input, gradWhole)),
            ("weight cat", null, () => CostBreakdown.Scoped(() => cat(weights, 0))),
            ("gradient cat (chunks' backward)", null, () => CostBreakdown.Scoped(() => cat(Enumerable.Repeat(gradOutput, d).ToArray(), axis))),
            ("plain infer", null, () => CostBreakdown.Infer(host, input)),
            ("ours infer, kernel", kernels.Whole, () => CostBreakdown.Infer(layer, input)),
            ("ours infer, kernel, 16 blocks per SM", kernels.Wide, () => CostBreakdown.Infer(layer, input)),
            ("cascade fwd+bwd, kernel alone", kernels.Always, () => KernelAlone(layer, precomputed, hostOutput, gradOutput, axis, training: true)),
            ("cascade fwd, kernel alone (inference)", kernels.Always, () => KernelAlone(layer, precomputed, hostOutput, gradOutput, axis, training: false)),
        };

        // Each variant registers its kernel first (a volatile write, nothing beside the milliseconds timed).
        var bodies = variants.Select(v => (Action)(() =>
        {
            CascadeKernels.Current = v.Kernel;
            v.Body();
        })).ToList();
        var timed = CostBreakdown.TimeRounds(bodies, rounds, device);
        CascadeKernels.Current = null;
        return variants.Select((v, i) => (v.Name, timed[i].Median, timed[i].Min, timed[i].Host)).ToList();
    }

    private static Tensor RandnLike(nn.Module<Tensor, Tensor> host, Tensor input)
    {
        using var noGrad = no_grad();
        using var probe = host.call(input);
        return randn_like(probe);
    }

    /// <summary>The fused projection (weight concatenation, one product) and its backward from a whole-output gradient.</summary>
    private static void ProjectionStep(DendriteLayer layer, Tensor input, Tensor gradWhole)
    {
        using (NewDisposeScope())
        {
            var weights = layer.Branch.Sets.Select(s => (Tensor)s.Weight).ToArray();
            var biases = layer.Branch.Sets.Select(s => (Tensor?)s.Bias).ToArray();
            var (wholeOutput, parts) = HostProjection.FusedWithWhole(layer.Spec, input, weights, biases);
            (wholeOutput ?? parts[0]).backward(new[] { gradWhole });
        }

        layer.zero_grad();
    }

    /// <summary>
    /// The kernel alone on precomputed pre-activations (the fused projection's output, or the single set's) and host
    /// output: in training as leaves, its node's forward and backward; in inference, its forward kernel.
    /// </summary>
    private static void KernelAlone(DendriteLayer layer, Tensor projection, Tensor hostOutput, Tensor gradOutput, int axis, bool training)
    {
        using (NewDisposeScope())
        {
            var sets = layer.Branch.Sets.Count;
            if (!training)
            {
                using var noGrad = no_grad();
                _ = CascadeKernels.Current!.TryCombine(layer.Branch.CascadeInputsFor(hostOutput, projection.chunk(sets, axis), mayOverwriteHostOutput: false))
                    ?? throw new InvalidOperationException("The fused kernel declined this case.");
                return;
            }

            var whole = projection.detach().requires_grad_(true);
            var host = hostOutput.detach().requires_grad_(true);
            var pre = sets == 1 ? new[] { whole } : whole.chunk(sets, axis);
            var output = CascadeKernels.Current!.TryCombine(layer.Branch.CascadeInputsFor(host, pre, mayOverwriteHostOutput: false, sets == 1 ? null : whole))
                ?? throw new InvalidOperationException("The fused kernel declined this case.");
            output.backward(new[] { gradOutput });
        }

        layer.Branch.zero_grad();
    }

    /// <summary>The kernels the variants register: whole output, chunks, twice the blocks per SM, and without the one-set rule.</summary>
    private sealed record Kernels(ICascadeKernel Whole, ICascadeKernel Chunks, ICascadeKernel Wide, ICascadeKernel Always);
}
