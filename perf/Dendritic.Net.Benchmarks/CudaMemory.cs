using System;
using System.Diagnostics;
using System.IO;
using System.Globalization;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// The "cuda-memory" mode: device memory of one training step (forward and backward) of each layer case.
/// TorchSharp 0.107 exposes none of torch.cuda's memory statistics, so each case runs in a fresh child process and
/// reads cudaMemGetInfo: libtorch's caching allocator keeps every block it took from the driver, so the memory in use
/// after the steps, less what the process held before the case, is the peak reserved by the case (weights, input,
/// activations, gradients and cuBLAS/cuDNN workspaces), the analogue of torch.cuda.max_memory_reserved().
/// </summary>
internal static unsafe class CudaMemory
{
    private static readonly string[] Runtimes = { "libcudart.so.13", "libcudart.so.12", "libcudart.so" };

    /// <summary>Runs every case in a child process and prints a Markdown table.</summary>
    public static int Run(string[] args)
    {
        var dtypes = args.Length > 0 ? args[0].Split(',') : new[] { "float32", "bfloat16" };
        var self = typeof(CudaMemory).Assembly.Location;
        var host = Environment.ProcessPath!;
        Console.WriteLine("| host | size | dtype | D | params+input (MiB) | step peak reserved (MiB) | ratio to D=0 |");
        Console.WriteLine("| --- | --- | --- | ---: | ---: | ---: | ---: |");
        foreach (var kind in new[] { "Linear", "Conv2d" })
        {
            foreach (var size in new[] { "small", "large" })
            {
                foreach (var dtype in dtypes)
                {
                    double baseline = double.NaN;
                    foreach (var dendrites in new[] { 0, 1, 2, 4 })
                    {
                        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
                        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
                        {
                            start.ArgumentList.Add(self);
                        }

                        foreach (var a in new[] { "cuda-memory-one", kind, size, dtype, dendrites.ToString(CultureInfo.InvariantCulture) })
                        {
                            start.ArgumentList.Add(a);
                        }

                        using var child = Process.Start(start)!;
                        var line = child.StandardOutput.ReadToEnd().Trim();
                        child.WaitForExit();
                        var parts = line.Split(' ');
                        if (child.ExitCode != 0 || parts.Length != 2)
                        {
                            Console.WriteLine($"| {kind} | {size} | {dtype} | {dendrites} | failed (exit {child.ExitCode}) {line} | | |");
                            continue;
                        }

                        var fixedMiB = double.Parse(parts[0], CultureInfo.InvariantCulture);
                        var peakMiB = double.Parse(parts[1], CultureInfo.InvariantCulture);
                        if (dendrites == 0)
                        {
                            baseline = peakMiB;
                        }

                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {kind} | {size} | {dtype} | {dendrites} | {fixedMiB:0} | {peakMiB:0} | {peakMiB / baseline:0.00} |"));
                    }
                }
            }
        }

        return 0;
    }

    /// <summary>One case, in this process: prints "fixedMiB peakMiB".</summary>
    public static int RunOne(string kind, string size, string dtypeName, int dendrites)
    {
        TorchEnv.EnsureCuda();
        var dtype = TorchEnv.DType(dtypeName);
        using (var warm = ones(1, device: CUDA))
        {
            cuda.synchronize();
        }

        var before = Used();
        var layerCase = new LayerCase(kind, size, "cuda");
        var host = layerCase.CreateHost();
        host.to(CUDA).to(dtype);
        nn.Module<Tensor, Tensor> module = dendrites == 0 ? host : new DendriteLayer(host, dendrites: dendrites);
        var input = randn(layerCase.InputShape(), dtype: dtype, device: CUDA);
        Tensor gradOutput;
        using (no_grad())
        {
            using var probe = host.call(input);
            gradOutput = randn_like(probe);
        }

        cuda.synchronize();
        var fixedBytes = Used() - before;
        long peak = 0;
        for (var step = 0; step < 3; step++)
        {
            using (NewDisposeScope())
            {
                module.call(input).backward(new[] { gradOutput });
            }

            cuda.synchronize();
            peak = Math.Max(peak, Used() - before);
            module.zero_grad();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{fixedBytes / 1048576.0:0.0} {peak / 1048576.0:0.0}"));
        return 0;
    }

    private static long Used()
    {
        nuint free = 0, total = 0;
        var status = MemGetInfo()(&free, &total);
        if (status != 0)
        {
            throw new InvalidOperationException($"cudaMemGetInfo failed with CUDA error {status}.");
        }

        return (long)(total - free);
    }

    private static delegate* unmanaged<nuint*, nuint*, int> MemGetInfo()
    {
        foreach (var name in Runtimes)
        {
            if (NativeLibrary.TryLoad(name, out var library) && NativeLibrary.TryGetExport(library, "cudaMemGetInfo", out var export))
            {
                return (delegate* unmanaged<nuint*, nuint*, int>)export;
            }
        }

        throw new InvalidOperationException("No CUDA runtime library (libcudart) is loaded: cannot read device memory.");
    }
}
