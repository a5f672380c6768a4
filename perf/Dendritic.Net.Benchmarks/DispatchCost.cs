using System;
using System.Diagnostics;
using Dendritic.Cuda;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// <c>dispatch-cost [rounds]</c>: the CPU time of one training step (<see cref="VersusProbe.TrainStep"/>, the original's
/// protocol) when the tensors are too small for the arithmetic to matter (Linear 16 -> 16, batch 4, on the CPU), so
/// what is timed is what issuing the step costs: TorchSharp's calls, libtorch's dispatch and autograd, and the layer's
/// own bookkeeping. Issue #10's small bfloat16 cells on the GPU are bound by exactly this. Rows: the plain Linear; the
/// layer with dendrites off; D = 1, 2, 4 on the reference path and through the fused kernel's autograd node with a
/// launcher that launches nothing (its wiring without a GPU), once without and once with CudaCascade's one-set rule (at
/// D = 1 it declines these tiny outputs, so that column is the reference path plus the cost of declining), and once as
/// a TorchScript function (<see cref="ScriptedCascade"/>, issue #10's other route).
/// Microseconds per step, the best of <c>rounds</c> rounds of 500 steps after 300 warm-up steps (the paths alternating
/// round by round), one thread.
/// </summary>
internal static class DispatchCost
{
    /// <summary>Prints the table; <c>args[0]</c> is the number of rounds (at least 1, default 5).</summary>
    /// <param name="args">The mode's arguments after <c>dispatch-cost</c>.</param>
    /// <returns>0, or 2 for a bad round count.</returns>
    public static int Run(string[] args)
    {
        var rounds = args.Length > 0 && int.TryParse(args[0], System.Globalization.CultureInfo.InvariantCulture, out var r) ? r : args.Length > 0 ? 0 : 5;
        if (rounds < 1)
        {
            Console.Error.WriteLine("dispatch-cost [rounds]: rounds must be a whole number of at least 1.");
            return 2;
        }

        set_num_threads(1);
        manual_seed(0);
        using var input = randn(4, 16);
        var cpu = CPU;
        Console.WriteLine($"# dispatch-cost: Linear 16->16, batch 4, CPU, 1 thread, best of {rounds} rounds of 500 steps, microseconds per training step");
        Console.WriteLine("| layer | D | reference path | fused kernel's node (no-op launch) | the same with CudaCascade's one-set rule | TorchScript cascade |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        using var plain = nn.Linear(16, 16);
        Console.WriteLine(FormattableString.Invariant($"| plain Linear | 0 | {Best(rounds, () => VersusProbe.TrainStep(plain, input, cpu))[0]:0.0} | | | |"));
        using var off = new DendriteLayer(nn.Linear(16, 16), new DendriteOptions(), 1) { Enabled = false };
        Console.WriteLine(FormattableString.Invariant($"| dendrites off | 1 | {Best(rounds, () => VersusProbe.TrainStep(off, input, cpu))[0]:0.0} | | | |"));
        var previous = CascadeKernels.Current;
        var node = new FusedCascadeKernel(new NoLaunch());
        var ruled = new FusedCascadeKernel(new NoLaunch(), FusedCascadeKernel.OneSetTrainingMinBytes);
        var script = new ScriptedCascade();
        try
        {
            foreach (var d in new[] { 1, 2, 4 })
            {
                using var layer = new DendriteLayer(nn.Linear(16, 16), new DendriteOptions(), d);
                Action With(ICascadeKernel? kernel) => () =>
                {
                    CascadeKernels.Current = kernel;
                    VersusProbe.TrainStep(layer, input, cpu);
                };

                // The paths alternate round by round, so that none gets the quieter moments of the machine.
                var best = Best(rounds, With(null), With(node), With(ruled), With(script));
                Console.WriteLine(FormattableString.Invariant($"| DendriteLayer | {d} | {best[0]:0.0} | {best[1]:0.0} | {best[2]:0.0} | {best[3]:0.0} |"));
            }
        }
        finally
        {
            CascadeKernels.Current = previous;
        }

        return 0;
    }

    /// <summary>Warms the steps up, then times 500 calls of each per round, in turn; the best round of each (us).</summary>
    private static double[] Best(int rounds, params Action[] steps)
    {
        for (var i = 0; i < 300; i++)
        {
            foreach (var step in steps)
            {
                step();
            }
        }

        var best = new double[steps.Length];
        Array.Fill(best, double.MaxValue);
        for (var r = 0; r < rounds; r++)
        {
            for (var k = 0; k < steps.Length; k++)
            {
                best[k] = Math.Min(best[k], Round(steps[k]));
            }
        }

        return best;
    }

    private static double Round(Action step)
    {
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < 500; i++)
        {
            step();
        }

        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / 500;
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
