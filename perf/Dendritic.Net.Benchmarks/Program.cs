using System;
using BenchmarkDotNet.Running;

namespace Dendritic.Benchmarks;

/// <summary>
/// Entry point. Modes:
/// <list type="bullet">
/// <item>(default) BenchmarkDotNet suites: <c>-- --filter '*LayerTraining*' [--device cpu|cuda] [--quick] [--inprocess]
/// [--size small,large] [--dtype float32,bfloat16] [--dendrites 1,2,4] [--kernel reference,cuda] [--capture eager,graph] [--iteration-ms N]</c>;</item>
/// <item><c>cuda-check</c>: DendriteLayer on CUDA against CPU float64;</item>
/// <item><c>fused-check</c>: the fused CUDA cascade (Dendritic.Net.Cuda) against the reference, then timed alone;</item>
/// <item><c>graph-check</c>: a DendriteLayer's step captured as a CUDA graph (CudaGraphStep) against the same step run eagerly;</item>
/// <item><c>cuda-memory [dtypes]</c>: device memory of a training step per layer case;</item>
/// <item><c>breakdown [cpu|cuda] [rounds] [cases] [D list]</c>: where a layer's time goes, projection paths A/B;</item>
/// <item><c>kernel-breakdown [rounds] [cases] [D list] [dtype]</c>: the same with the fused CUDA kernel, whole output against chunks;</item>
/// <item><c>soak [--steps 20000] [--every 1000] [--model mlp] [--device cpu|cuda] [--variants ...]</c>: memory over a long
/// training run, plain, wrapped, with the growth scheduler and with Disable() toggling;</item>
/// <item><c>scalar-cost [count]</c>: what one undisposed TorchSharp Scalar holds until its finalizer runs;</item>
/// <item><c>gc-race adam|adam-nogc|layers [seconds]</c>: training steps while another thread allocates (docs/known-issues.md);</item>
/// <item><c>report file.csv...</c>: Markdown tables of ratios from BenchmarkDotNet CSV reports;</item>
/// <item><c>versus-original folder...</c>: our layer suites beside the original's pai_overhead2 JSON of one run;</item>
/// <item><c>versus-probe [cpu|cuda] [iterations] [out.json]</c>: our layers timed with the original's protocol;</item>
/// <item><c>cascade-sequences [rounds] [D list] [cases]</c>: our layer on the CPU with probes/cascade_sequences.py's protocol;</item>
/// <item><c>script-probe rounds steps [small,large]</c>: issue #10's TorchScript route against the reference path and the fused kernel;</item>
/// <item><c>dispatch-cost [rounds]</c>: the CPU cost of issuing one training step of tiny layers, reference path against the fused kernel's node;</item>
/// <item><c>versus-rounds folder...</c>: the interleaved comparison of the round-N folders of probe and original JSON under one or more folders (runs pooled);</item>
/// <item><c>chart out.svg [--only TEXT] file.csv...</c>: the ratio chart of docs/benchmarks.md.</item>
/// <item><c>distributed-check [--epochs 4] [--batch 1024]</c>: one NCCL rank: collectives and data-parallel growth (docs/distributed.md);</item>
/// <item><c>distributed-launch [--gpus N] [--compare]</c>: N ranks of it, one process per GPU, compared; 1 vs N GPUs throughput.</item>
/// </list>
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        var mode = args.Length > 0 ? args[0] : string.Empty;
        switch (mode)
        {
            case "cuda-check":
                return CudaCheck.Run(args.Length > 1 ? args[1] : "cuda") == 0 ? 0 : 1;
            case "fused-check":
                return FusedCheck.Run(args.Length > 1 ? args[1] : "cuda") == 0 ? 0 : 1;
            case "graph-check":
                return GraphCheck.Run();
            case "cuda-memory":
                return CudaMemory.Run(args[1..]);
            case "cuda-memory-one":
                return CudaMemory.RunOne(args[1], args[2], args[3], int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture));
            case "breakdown":
                return CostBreakdown.Run(args[1..]);
            case "kernel-breakdown":
                return KernelBreakdown.Run(args[1..]);
            case "script-probe":
                return ScriptProbe.Run(args[1..]);
            case "dispatch-cost":
                return DispatchCost.Run(args[1..]);
            case "soak":
                return Soak.Run(args[1..]);
            case "soak-one":
                return Soak.RunOne(args[1], args[2], args[3], int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture));
            case "scalar-cost":
                return ScalarCost.Run(args[1..]);
            case "gc-race":
                return GcRace.Run(args[1..]);
            case "report":
                return ResultTable.Print(args[1..]);
            case "versus-original":
                return OriginalComparison.Print(args[1..]);
            case "versus-probe":
                return VersusProbe.Run(args[1..]);
            case "cascade-sequences":
                return CascadeSequences.Run(args[1..]);
            case "versus-rounds":
                return InterleavedComparison.Print(args[1..]);
            case "chart":
                return RatioChart.Write(args[1], args[2..]);
            case "distributed-check":
                return DistributedCheck.Run(args[1..]);
            case "distributed-launch":
                return DistributedLaunch.Run(args[1..]);
        }

        var rest = BenchSettings.Parse(args);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, BenchConfig.Create());
        foreach (var summary in summaries)
        {
            if (summary.HasCriticalValidationErrors)
            {
                return 2;
            }
        }

        return 0;
    }
}
