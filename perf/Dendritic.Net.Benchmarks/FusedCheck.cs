using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using Dendritic.Cuda;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// The "fused-check" mode: the fused CUDA cascade (Dendritic.Net.Cuda) against the library's reference cascade on the
/// same device. Part 1 calls both on the same host output and pre-activations (leaves), so every error is the
/// cascade's own: the output and the gradients of the host output, each pre-activation, u and v; float32 must agree
/// within 1e-5, bfloat16 must be no further from a float64 CPU cascade than the bfloat16 reference is (or 2e-2).
/// Part 2 runs whole layers (wiring, every projection, training and inference) and counts the kernel's calls.
/// Part 3 times the cascade alone, forward and backward, at the issue's shapes. Returns the number of failed rows.
/// </summary>
internal static class FusedCheck
{
    private static readonly (string Name, Func<nn.Module> Make, long[] Input)[] Hosts =
    {
        ("Linear 64->48", () => nn.Linear(64, 48), new long[] { 37, 64 }),
        ("Linear 64->45 (odd: a neuron a thread)", () => nn.Linear(64, 45), new long[] { 37, 64 }),
        ("Linear 1024->1024 b4096", () => nn.Linear(1024, 1024), new long[] { 4096, 1024 }),
        ("Conv1d 4->6 k3 s2 p1 d2", () => nn.Conv1d(4, 6, 3, stride: 2, padding: 1, dilation: 2), new long[] { 3, 4, 11 }),
        ("Conv2d 4->6 k3 p1 groups 2", () => nn.Conv2d(4, 6, 3, padding: 1, groups: 2), new long[] { 2, 4, 7, 7 }),
        ("Conv2d 64->64 k3 p1 32x32 b64", () => nn.Conv2d(64, 64, 3, padding: 1), new long[] { 64, 64, 32, 32 }),
        ("Conv3d 2->4 k3 p1", () => nn.Conv3d(2, 4, 3, padding: 1), new long[] { 2, 2, 4, 5, 5 }),
    };

    private static readonly DendriteProjection[] Projections = { DendriteProjection.Separate, DendriteProjection.Fused, DendriteProjection.FusedWithHost };

    /// <summary>
    /// Runs all three parts on <paramref name="target"/>: "cuda", or "cpu" for a dry run of the check itself with the
    /// C# mirror of cascade.cu standing in for the GPU (small shapes only, no timing).
    /// </summary>
    public static int Run(string target)
    {
        var device = TorchEnv.Device(target);
        var dryRun = device.type == DeviceType.CPU;
        ICascadeKernel kernel;
        if (dryRun)
        {
            Console.WriteLine("# fused-check on cpu: dry run, the C# mirror of cascade.cu stands in for the GPU");
            kernel = new FusedCascadeKernel(new Dendritic.Cuda.Tests.CascadeMirror(rowsBlock: 32, positionsBlock: 64, slices: 5));
        }
        else
        {
            Console.WriteLine($"# fused-check on {target}: NVRTC {CudaCascade.NvrtcVersion()}, TorchSharp {typeof(torch).Assembly.GetName().Version}");
            var watch = System.Diagnostics.Stopwatch.StartNew();
            CudaCascade.Enable();
            Console.WriteLine(FormattableString.Invariant($"# CudaCascade.Enable: {watch.Elapsed.TotalMilliseconds:0} ms (libraries, driver, two NVRTC compiles)"));
            CascadeKernels.Current = null;

            // Every call the kernel can run, also the one-set training steps CudaCascade leaves to the reference path.
            // Its own module cache compiles the kernels again on first use (Enable's time above covers its one compile).
            kernel = new FusedCascadeKernel(new CudaLauncher(new CudaModuleCache()));
        }

        var failures = CascadePart(device, kernel, dryRun) + LayerPart(device, kernel);
        if (!dryRun)
        {
            FusedTiming.Run(device, kernel);
        }

        Console.WriteLine();
        Console.WriteLine(failures == 0 ? "fused-check: all cases passed" : $"fused-check: {failures} case(s) FAILED");
        return failures;
    }

    private static int CascadePart(Device device, ICascadeKernel kernel, bool smallOnly)
    {
        Console.WriteLine();
        Console.WriteLine("## 1. Cascade alone: fused kernel vs reference (same device, same inputs)");
        Console.WriteLine("| host | D | projection | dtype | out err vs ref | grad err vs ref | fused err vs f64 | ref err vs f64 | tol | result |");
        Console.WriteLine("| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | --- | --- |");
        return RunCases(1, Hosts.Where(h => !smallOnly || !IsLarge(h.Name)), new[] { 1, 2, 3, 4 }, Projections, (host, sets, projection, dtype) => CascadeCase(device, kernel, host.Name, host.Make, host.Input, sets, projection, dtype));
    }

    private static bool CascadeCase(Device device, ICascadeKernel kernel, string name, Func<nn.Module> make, long[] inputShape, int sets, DendriteProjection projection, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        manual_seed(17 + sets);
        var layer = new DendriteLayer(make(), new DendriteOptions { Projection = projection }, sets);
        Randomise(layer);
        layer.to(device).to(dtype);
        var x = randn(inputShape, dtype: dtype, device: device);
        Tensor host;
        Tensor[] pre;
        using (no_grad())
        {
            if (projection == DendriteProjection.FusedWithHost)
            {
                var parts = HostProjection.Fused(layer.Spec, x, layer.Branch.Sets.Select(s => (Tensor)s.Weight).Prepend(layer.Weight).ToArray(), layer.Branch.Sets.Select(s => (Tensor?)s.Bias).Prepend(layer.Bias).ToArray());
                host = parts[0];
                pre = parts[1..];
            }
            else
            {
                host = HostProjection.Single(layer.Spec, x, layer.Weight, layer.Bias);
                pre = layer.Branch.PreActivations(x, projection);
            }
        }

        var u = layer.Branch.Sets.Select(s => (Tensor)s.OutputScale).ToArray();
        var v = layer.Branch.Sets.Select(s => (Tensor?)s.CascadeWeights).ToArray();
        var axis = (int)host.dim() - 1 - (layer.Spec.Kind == HostKind.Linear ? 0 : layer.Spec.SpatialDims);
        var upstream = randn(host.shape, dtype: dtype, device: device);

        var reference = Run(layer, host, pre, upstream, (h, p) => layer.Branch.Combine(h, p));
        var fused = Run(layer, host, pre, upstream, (h, p) => kernel.TryCombine(new CascadeInputs(h, p, u, v, layer.Branch.Options.Activation, axis, false)));
        var exact = Float64Cascade(layer, host, pre, upstream);

        string row;
        bool pass;
        if (fused is null)
        {
            row = "declined | - | - | - |";
            pass = false;
        }
        else
        {
            var outErr = RelativeError(fused[0], reference![0]);
            var gradErr = fused.Skip(1).Zip(reference.Skip(1), RelativeError).Max();
            var fusedVs64 = fused.Zip(exact, RelativeError).Max();
            var refVs64 = reference.Zip(exact, RelativeError).Max();
            pass = dtype == ScalarType.Float32 ? Math.Max(outErr, gradErr) <= 1e-5 : fusedVs64 <= Math.Max(2e-2, refVs64);
            row = FormattableString.Invariant($"{outErr:0.0e+0} | {gradErr:0.0e+0} | {fusedVs64:0.0e+0} | {refVs64:0.0e+0} |");
        }

        var tol = dtype == ScalarType.Float32 ? "1e-5 vs ref" : "f64: max(2e-2, ref)";
        Console.WriteLine($"| {name} | {sets} | {projection} | {dtype} | {row} {tol} | {(pass ? "PASS" : "FAIL")} |");
        layer.Dispose();
        return pass;
    }

    /// <summary>
    /// Output and gradients (host, each pre-activation, each u, each v) of one cascade call on fresh leaves that keep
    /// the projection's strides (views of a fused output stay views), or null when the kernel declines.
    /// </summary>
    private static List<Tensor>? Run(DendriteLayer layer, Tensor host, Tensor[] pre, Tensor upstream, Func<Tensor, Tensor[], Tensor?> cascade)
    {
        layer.zero_grad();
        var hostLeaf = host.detach().requires_grad_(true);
        var preLeaves = pre.Select(p => p.detach().requires_grad_(true)).ToArray();
        var output = cascade(hostLeaf, preLeaves);
        if (output is null)
        {
            return null;
        }

        output.backward(new[] { upstream });
        var result = new List<Tensor> { output.detach().clone(), hostLeaf.grad!.clone() };
        result.AddRange(preLeaves.Select(p => p.grad!.clone()));
        result.AddRange(layer.Branch.Sets.Select(s => s.OutputScale.grad!.clone()));
        result.AddRange(layer.Branch.Sets.Skip(1).Select(s => s.CascadeWeights!.grad!.clone()));
        return result;
    }

    /// <summary>The same quantities from a float64 cascade on the CPU (the definition, written out).</summary>
    private static List<Tensor> Float64Cascade(DendriteLayer layer, Tensor host, Tensor[] pre, Tensor upstream)
    {
        Tensor Leaf(Tensor t) => t.detach().to(ScalarType.Float64).cpu().requires_grad_(true);
        var h = Leaf(host);
        var p = pre.Select(Leaf).ToArray();
        var u = layer.Branch.Sets.Select(s => Leaf(s.OutputScale)).ToArray();
        var v = layer.Branch.Sets.Select(s => s.CascadeWeights is null ? null : Leaf(s.CascadeWeights)).ToArray();
        var shape = layer.Branch.Spec.NeuronShape(h);
        var y = h;
        var a = new List<Tensor>();
        for (var k = 0; k < p.Length; k++)
        {
            var s = p[k];
            for (var i = 0; i < k; i++)
            {
                s = s + (v[k]![i].view(shape) * a[i]);
            }

            a.Add(layer.Branch.Activate(s));
            y = y + (u[k].view(shape) * a[k]);
        }

        y.backward(new[] { upstream.to(ScalarType.Float64).cpu() });
        var result = new List<Tensor> { y.detach(), h.grad! };
        result.AddRange(p.Select(t => t.grad!));
        result.AddRange(u.Select(t => t.grad!));
        result.AddRange(v.Skip(1).Select(t => t!.grad!));
        return result;
    }

    private static int LayerPart(Device device, ICascadeKernel kernel)
    {
        Console.WriteLine();
        Console.WriteLine("## 2. Whole layers: kernel on vs off (projection GEMMs/convolutions may use TF32: tolerance as cuda-check)");
        Console.WriteLine("| host | D | projection | dtype | out err | grad err | infer err | kernel calls | result |");
        Console.WriteLine("| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | --- |");
        return RunCases(2, Hosts.Where(h => !IsLarge(h.Name)), new[] { 1, 3 }, Projections.Prepend(DendriteProjection.Auto), (host, sets, projection, dtype) => LayerCase(device, kernel, host.Name, host.Make, host.Input, sets, projection, dtype));
    }

    private static bool LayerCase(Device device, ICascadeKernel kernel, string name, Func<nn.Module> make, long[] inputShape, int sets, DendriteProjection projection, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        manual_seed(29 + sets);
        var layer = new DendriteLayer(make(), new DendriteOptions { Projection = projection }, sets);
        Randomise(layer);
        layer.to(device).to(dtype);
        var x = randn(inputShape, dtype: dtype, device: device);
        var counting = new CountingKernel(kernel);
        var (refOut, refGrads, refInfer) = LayerStep(layer, x, null);
        var (outp, grads, infer) = LayerStep(layer, x, counting);
        var outErr = RelativeError(outp, refOut);
        var gradErr = grads.Zip(refGrads, RelativeError).Max();
        var inferErr = RelativeError(infer, refInfer);
        var tolerance = dtype == ScalarType.Float32 ? 5e-3 : 6e-2;
        var pass = Math.Max(outErr, Math.Max(gradErr, inferErr)) <= tolerance && counting.Answered == 2;
        Console.WriteLine(FormattableString.Invariant($"| {name} | {sets} | {projection} | {dtype} | {outErr:0.0e+0} | {gradErr:0.0e+0} | {inferErr:0.0e+0} | {counting.Answered} of {counting.Asked} | {(pass ? "PASS" : "FAIL")} |"));
        layer.Dispose();
        return pass;
    }

    private static (Tensor Output, List<Tensor> Grads, Tensor Inference) LayerStep(DendriteLayer layer, Tensor x, ICascadeKernel? kernel)
    {
        CascadeKernels.Current = kernel;
        try
        {
            layer.zero_grad();
            var input = x.detach().requires_grad_(true);
            var output = layer.call(input);
            using var upstream = ones_like(output);
            output.backward(new[] { upstream });
            var grads = layer.parameters().Select(p => p.grad!.clone()).Append(input.grad!.clone()).ToList();
            using var noGrad = no_grad();
            var inference = layer.call(x);
            return (output.detach(), grads, inference);
        }
        finally
        {
            CascadeKernels.Current = null;
        }
    }

    /// <summary>Runs one case; an exception (a compile or launch error) fails that case and is printed, the rest go on.</summary>
    /// <summary>Runs <paramref name="check"/> for every host, set count, projection and dtype; prints the part's pass count.</summary>
    private static int RunCases(int part, IEnumerable<(string Name, Func<nn.Module> Make, long[] Input)> hosts, int[] setCounts, IEnumerable<DendriteProjection> projections, Func<(string Name, Func<nn.Module> Make, long[] Input), int, DendriteProjection, ScalarType, bool> check)
    {
        var failures = 0;
        var cases = 0;
        foreach (var host in hosts)
        {
            foreach (var sets in setCounts)
            {
                foreach (var projection in projections)
                {
                    foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
                    {
                        failures += Guard(() => check(host, sets, projection, dtype), host.Name, sets, projection, dtype) ? 0 : 1;
                        cases++;
                    }
                }
            }
        }

        Console.WriteLine($"part {part}: {cases - failures} of {cases} cases passed");
        return failures;
    }

    private static bool Guard(Func<bool> run, string host, int sets, DendriteProjection projection, ScalarType dtype)
    {
        try
        {
            return run();
        }
        catch (Exception e) when (e is DendriticException or ExternalException or InvalidOperationException or ArgumentException)
        {
            Console.WriteLine($"| {host} | {sets} | {projection} | {dtype} | FAIL: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")} |");
            return false;
        }
    }

    private static bool IsLarge(string host) => host.Contains("1024", StringComparison.Ordinal) || host.Contains("64->64", StringComparison.Ordinal);

    /// <summary>Random non-zero u and v, so that every term of the cascade counts.</summary>
    internal static void Randomise(DendriteLayer layer)
    {
        using (no_grad())
        {
            foreach (var set in layer.Branch.Sets)
            {
                set.OutputScale.uniform_(-1, 1);
                set.CascadeWeights?.uniform_(-1, 1);
            }
        }
    }

    /// <summary>max |actual - expected| / max |expected|, in float64 on the CPU.</summary>
    private static double RelativeError(Tensor actual, Tensor expected)
    {
        var a = actual.detach().to(ScalarType.Float64).cpu();
        var e = expected.detach().to(ScalarType.Float64).cpu();
        var scale = Math.Max(e.abs().max().item<double>(), 1e-12);
        return (a - e).abs().max().item<double>() / scale;
    }


    /// <summary>Passes calls to a kernel and counts them.</summary>
    private sealed class CountingKernel : ICascadeKernel
    {
        private readonly ICascadeKernel _inner;

        public CountingKernel(ICascadeKernel inner) => _inner = inner;

        public int Asked { get; private set; }

        public int Answered { get; private set; }

        public Tensor? TryCombine(CascadeInputs inputs)
        {
            Asked++;
            var result = _inner.TryCombine(inputs);
            Answered += result is null ? 0 : 1;
            return result;
        }
    }
}
