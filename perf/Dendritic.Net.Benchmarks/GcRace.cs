using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime;
using System.Threading;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// The "gc-race" mode (docs/known-issues.md): training steps on one thread while another allocates, so that .NET
/// garbage collections run at any moment of the step, as they do beside a data-loading thread or a web host.
/// <list type="bullet">
/// <item><c>adam</c>: TorchSharp's Adam on a plain Linear layer: its step makes temporary Scalars from numbers, which
/// only their finalizer frees; a collection inside the step can free one that libtorch is still reading.</item>
/// <item><c>adam-nogc</c>: the same, each <c>step()</c> inside <see cref="GC.TryStartNoGCRegion(long)"/>.</item>
/// <item><c>adamw</c>, <c>sgd</c>: TorchSharp's AdamW, and SGD with momentum 0.9, as <c>adam</c>.</item>
/// <item><c>layers</c>: the training step of wrapped Linear and Conv2d layers (3 dendrite sets each), forward and
/// backward, without an optimizer: this library's own calls.</item>
/// </list>
/// Usage: <c>gc-race adam|adam-nogc|adamw|sgd|layers [seconds, default 60]</c>. Prints one line: the steps, the collections seen and
/// the first failure, if any; exits 1 on a failure.
/// </summary>
internal static class GcRace
{
    public static int Run(string[] args)
    {
        var variant = args.Length > 0 ? args[0] : "adam";
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 60;
        set_num_threads(1);
        manual_seed(1);
        var stop = 0;
        var churn = new Thread(() =>
        {
            // Short-lived garbage, as a loader that decodes batches makes: generation-0 collections every few ms.
            while (Volatile.Read(ref stop) == 0)
            {
                GC.KeepAlive(new byte[16384]);
            }
        })
        { IsBackground = true };

        Func<bool> step = variant switch
        {
            "adam" or "adam-nogc" => OptimizerStep(p => optim.Adam(p, 0.003), variant == "adam-nogc"),
            "adamw" => OptimizerStep(p => optim.AdamW(p, 0.003), false),
            "sgd" => OptimizerStep(p => optim.SGD(p, 0.003, momentum: 0.9), false),
            "layers" => LayerStep(),
            _ => throw new ArgumentException($"gc-race: unknown variant '{variant}' (adam, adam-nogc, adamw, sgd, layers)"),
        };

        churn.Start();
        var clock = Stopwatch.StartNew();
        var collectionsBefore = GC.CollectionCount(0);
        long steps = 0, unprotected = 0;
        string? failure = null;
        try
        {
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                unprotected += step() ? 0 : 1;
                steps++;
            }
        }
        catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException or InvalidOperationException)
        {
            failure = e.Message.Split('\n')[0].Trim();
        }

        Volatile.Write(ref stop, 1);
        var collections = GC.CollectionCount(0) - collectionsBefore;
        var outcome = failure is null ? "no failure" : $"FAILED at step {steps + 1}: {failure}";
        var nogc = variant == "adam-nogc" ? $", {unprotected} step(s) whose no-GC region a collection ended" : string.Empty;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gc-race {variant}: {steps} steps in {clock.Elapsed.TotalSeconds:F1} s, {collections} generation-0 collections{nogc}; {outcome}"));
        return failure is null ? 0 : 1;
    }

    /// <summary>One optimizer step of Linear(8, 4); true unless a collection ended the step's no-GC region.</summary>
    private static Func<bool> OptimizerStep(Func<System.Collections.Generic.IEnumerable<TorchSharp.Modules.Parameter>, optim.Optimizer> build, bool noGcRegion)
    {
        var model = nn.Linear(8, 4);
        var optimizer = build(model.parameters());
        var input = randn(2, 8);
        return () =>
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            model.call(input).sum().backward();
            if (!noGcRegion || !GC.TryStartNoGCRegion(64L << 20))
            {
                optimizer.step();
                return !noGcRegion;
            }

            try
            {
                optimizer.step();
            }
            finally
            {
                if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
                {
                    GC.EndNoGCRegion();
                }
            }

            return GCSettings.LatencyMode != GCLatencyMode.NoGCRegion;
        };
    }

    /// <summary>Forward and backward of a wrapped MLP and a wrapped CNN (3 sets per layer), gradients cleared each step.</summary>
    private static Func<bool> LayerStep()
    {
        var mlp = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4));
        var cnn = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 4, 3));
        var parameters = new[] { mlp, cnn }
            .SelectMany(m => Dendrites.Wrap(m, new WrapOptions { InitialDendrites = 3 }).TrainableParameters())
            .ToList();
        using (no_grad())
        {
            // Nonzero u and v, so that the cascade and every set's backward run as after training.
            foreach (var parameter in parameters)
            {
                parameter.normal_(0, 0.1);
            }
        }

        var vectors = randn(4, 8);
        var images = randn(2, 3, 8, 8);
        return () =>
        {
            using var scope = NewDisposeScope();
            foreach (var parameter in parameters)
            {
                parameter.grad?.zero_();
            }

            (mlp.call(vectors).square().sum() + cnn.call(images).square().sum()).backward();
            return true;
        };
    }
}
