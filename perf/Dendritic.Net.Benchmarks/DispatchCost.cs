using System;
using System.Diagnostics;
using Dendritic.Cuda;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// <c>dispatch-cost [rounds]</c>: the CPU time of one training step when the tensors are too small for the arithmetic
/// to matter (Linear 16 -> 16, batch 4, on the CPU), so what is timed is what issuing the step costs: TorchSharp's
/// calls, libtorch's dispatch and autograd, and the layer's own bookkeeping. Issue #10's small bfloat16 cells on the
/// GPU are bound by exactly this. Rows: the plain Linear; the layer with dendrites off; D = 1, 2, 4 on the reference
/// path and through the fused kernel's autograd node with a launcher that launches nothing (its wiring without a
/// GPU). Microseconds per step, the best of <c>rounds</c> rounds of 500 steps after 300 warm-up steps, one thread.
/// </summary>
internal static class DispatchCost
{
    public static int Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5;
        set_num_threads(1);
        manual_seed(0);
        using var input = randn(4, 16);
        using var upstream = randn(4, 16);
        Console.WriteLine($"# dispatch-cost: Linear 16->16, batch 4, CPU, 1 thread, best of {rounds} rounds of 500 steps, microseconds per training step");
        Console.WriteLine("| layer | D | reference path | fused kernel's node (no-op launch) |");
        Console.WriteLine("|---|---:|---:|---:|");
        using var plain = nn.Linear(16, 16);
        Console.WriteLine(FormattableString.Invariant($"| plain Linear | 0 | {Time(() => Step(plain, input, upstream), rounds):0.0} | |"));
        using var off = new DendriteLayer(nn.Linear(16, 16), new DendriteOptions(), 1) { Enabled = false };
        Console.WriteLine(FormattableString.Invariant($"| dendrites off | 1 | {Time(() => Step(off, input, upstream), rounds):0.0} | |"));
        var previous = CascadeKernels.Current;
        try
        {
            foreach (var d in new[] { 1, 2, 4 })
            {
                using var layer = new DendriteLayer(nn.Linear(16, 16), new DendriteOptions(), d);
                CascadeKernels.Current = null;
                var reference = Time(() => Step(layer, input, upstream), rounds);
                CascadeKernels.Current = new FusedCascadeKernel(new NoLaunch());
                var node = Time(() => Step(layer, input, upstream), rounds);
                Console.WriteLine(FormattableString.Invariant($"| DendriteLayer | {d} | {reference:0.0} | {node:0.0} |"));
            }
        }
        finally
        {
            CascadeKernels.Current = previous;
        }

        return 0;
    }

    private static void Step(nn.Module<Tensor, Tensor> module, Tensor input, Tensor upstream)
    {
        foreach (var p in module.parameters())
        {
            p.grad = null;
        }

        using var scope = NewDisposeScope();
        module.call(input).backward(new[] { upstream });
    }

    private static double Time(Action step, int rounds)
    {
        for (var i = 0; i < 300; i++)
        {
            step();
        }

        var best = double.MaxValue;
        for (var r = 0; r < rounds; r++)
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < 500; i++)
            {
                step();
            }

            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMicroseconds / 500);
        }

        return best;
    }

    /// <summary>Takes every call on the CPU and launches nothing: the fused path's wiring, timed without a GPU.</summary>
    private sealed class NoLaunch : ICascadeLauncher
    {
        public bool Supports(Device device) => true;

        public int Slices(CascadeProblem problem) => 1;

        public void Forward(CascadeForwardLaunch launch)
        {
        }

        public void Backward(CascadeBackwardLaunch launch)
        {
        }
    }
}
