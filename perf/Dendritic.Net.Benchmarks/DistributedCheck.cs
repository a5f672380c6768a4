using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using Dendritic.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// <c>distributed-check [--epochs 4] [--batch 1024] [--width 1024] [--samples 32768] [--fail-rank R]</c>: one rank of an NCCL job
/// (RANK, WORLD_SIZE, LOCAL_RANK and DENDRITIC_NCCL_ID / DENDRITIC_NCCL_ID_FILE from the environment; a job of one
/// rank when none is set). Checks the collectives on CUDA tensors, then trains an MLP data-parallel with one growth
/// step, printing PASS/FAIL lines; writes its result to $DIST_RESULT_DIR/rank{r}.json when that is set (the launcher,
/// <see cref="DistributedLaunch"/>, compares the ranks' files).
/// </summary>
internal static class DistributedCheck
{
    /// <summary>Exit code of the rank whose training threw (with <c>--fail-rank</c>: on purpose).</summary>
    public const int FailedHere = 3;

    /// <summary>Exit code of a rank stopped by another rank's failure.</summary>
    public const int StoppedByPeer = 4;

    private static int _failures;
    private static int _failRank = -1;

    public static int Run(string[] args)
    {
        var epochs = Option(args, "--epochs", 4);
        var batch = Option(args, "--batch", 1024);
        var width = Option(args, "--width", 1024);
        var samples = Option(args, "--samples", 32768);
        if (Option(args, "--cpu-ranks", 0) is var cpuRanks and > 0)
        {
            // The same training on CPU with ranks as threads (InProcessGroup): checks the loop without a GPU.
            var results = InProcessGroup.Run(cpuRanks, c => Train(c, epochs, batch, width, samples, sharedGenerator: true));
            var same = results.Select(r => string.Join(",", (List<string>)r["decisions"])).Distinct().Count() == 1
                && results.Select(r => string.Join("/", (double[])r["checksum"])).Distinct().Count() == 1;
            Report(same, "cpu-ranks", $"{cpuRanks} in-process ranks: identical decisions and parameters");
            return _failures == 0 ? 0 : 1;
        }

        TorchEnv.EnsureCuda();
        var rendezvous = NcclRendezvous.FromEnvironment();
        Console.WriteLine($"NCCL {NcclLibrary.Version()} from {NcclLibrary.LoadedFrom}; rank {rendezvous.Rank} of {rendezvous.WorldSize}, local rank {rendezvous.LocalRank}; CUDA devices seen: {cuda.device_count()}");
        var clock = Stopwatch.StartNew();
        using var communicator = NcclCommunicator.Create(rendezvous);
        Report(true, "init", $"communicator on {communicator.Device} in {clock.Elapsed.TotalSeconds:F2} s");
        Collectives(communicator);
        Dictionary<string, object> result;
        try
        {
            _failRank = Option(args, "--fail-rank", -1);
            result = Train(communicator, epochs, batch, width, samples, sharedGenerator: false);
        }
        catch (RankFailedException e)
        {
            // Another rank failed: this one stops with its reason instead of hanging.
            Console.WriteLine($"STOPPED rank {communicator.Rank}: {e.Message}");
            return StoppedByPeer;
        }
        catch (Exception e) when (e is not DistributedException)
        {
            communicator.Abort($"rank {communicator.Rank}: {e.Message}");
            Console.WriteLine($"FAILED rank {communicator.Rank}: {e.Message}");
            return FailedHere;
        }

        if (communicator.WorldSize == 1)
        {
            communicator.Abort("end of the abort check");
            using var t = ones(1, device: communicator.Device);
            var threw = false;
            try
            {
                communicator.AllReduce(t, ReduceOp.Sum);
            }
            catch (RankFailedException)
            {
                threw = true;
            }

            Report(threw, "abort", "a collective after ncclCommAbort throws RankFailedException instead of hanging");
        }

        result["failures"] = _failures;
        if (Environment.GetEnvironmentVariable("DIST_RESULT_DIR") is { Length: > 0 } dir)
        {
            File.WriteAllText(Path.Combine(dir, $"rank{communicator.Rank}.json"), JsonSerializer.Serialize(result));
        }

        Console.WriteLine(_failures == 0 ? "distributed-check: all passed" : $"distributed-check: {_failures} failed");
        return _failures == 0 ? 0 : 1;
    }

    private static void Collectives(ICommunicator c)
    {
        var w = c.WorldSize;
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float64 })
        {
            using var t = full(1 << 20, c.Rank + 1.0, dtype: dtype, device: c.Device);
            c.AllReduce(t, ReduceOp.Sum);
            var expected = w * (w + 1) / 2.0;
            Report(Uniform(t, expected), $"allreduce-sum {dtype}", $"1M elements, each {expected}");
            using var a = full(1 << 20, c.Rank + 1.0, dtype: dtype, device: c.Device);
            c.AllReduce(a, ReduceOp.Average);
            Report(Uniform(a, (w + 1) / 2.0), $"allreduce-avg {dtype}", $"each {(w + 1) / 2.0}");
            using var b = full(1000, c.Rank == 0 ? 7.0 : -1.0, dtype: dtype, device: c.Device);
            c.Broadcast(b, 0);
            Report(Uniform(b, 7.0), $"broadcast {dtype}", "rank 0's 7.0 everywhere");
        }

        using var offset = arange(0, 100, dtype: ScalarType.Float32, device: c.Device);
        using var slice = offset.narrow(0, 10, 50);
        c.AllReduce(slice, ReduceOp.Sum);
        using var whole = offset.cpu();
        var values = whole.data<float>().ToArray();
        var sliceOk = values.Take(10).Select((v, i) => v == i).All(x => x) && values.Skip(60).Select((v, i) => v == 60 + i).All(x => x)
            && values.Skip(10).Take(50).Select((v, i) => v == (10 + i) * w).All(x => x);
        Report(sliceOk, "allreduce-view", "a contiguous slice at an offset: only its elements change (data pointer with storage offset)");
        c.Barrier();
        Report(true, "barrier", string.Empty);
    }

    /// <param name="sharedGenerator">Ranks are threads of one process, sharing torch's generator: their new dendrites may differ before the broadcast.</param>
    private static Dictionary<string, object> Train(ICommunicator c, int epochs, int batch, int width, int samples, bool sharedGenerator)
    {
        var device = c.Device;
        manual_seed(1234);
        using var data = randn(samples, width);
        using var teacher = randn(width, 10);
        using var labels = data.matmul(teacher).argmax(1);
        using var x = data.to(device);
        using var y = labels.to(device);
        var model = nn.Sequential(("fc1", nn.Linear(width, width)), ("act1", nn.ReLU()), ("fc2", nn.Linear(width, width)), ("act2", nn.ReLU()), ("fc3", nn.Linear(width, 10)));
        model.to(device);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        var rules = new GrowthOptions { Mode = ScoreMode.Minimize, Trigger = GrowthTrigger.EveryN, Interval = 2, MaxDendrites = 1 };
        var growth = new DistributedGrowthScheduler(c, handle, rules, seed: 7);
        var dp = new DataParallel(c);
        const double lr = 1e-3;
        var optimizer = optim.Adam(handle.TrainableParameters(), lr);
        var sampler = new ShardedSampler(samples * 9 / 10, batch, c.Rank, c.WorldSize, seed: 99);
        var validation = ShardedSampler.EvaluationShard(samples - sampler.DatasetSize, c.Rank, c.WorldSize).Select(i => i + sampler.DatasetSize).ToArray();
        var decisions = new List<string>();
        var trainSeconds = 0.0;
        var steps = 0;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            model.train();
            TorchEnv.Sync(device);
            var clock = Stopwatch.StartNew();
            var batches = sampler.Batches(epoch);
            foreach (var indices in batches)
            {
                if (epoch == 1 && c.Rank == _failRank)
                {
                    throw new InvalidOperationException("failure injected by --fail-rank in epoch 1");
                }

                using var scope = NewDisposeScope();
                using var index = tensor(indices, device: device);
                optimizer.zero_grad();
                nn.functional.cross_entropy(model.call(x.index_select(0, index)), y.index_select(0, index)).backward();
                dp.AverageGradients(handle.TrainableParameters());
                optimizer.step();
            }

            TorchEnv.Sync(device);
            if (epoch > 0 || epochs == 1)
            {
                // The first epoch warms up kernels and allocator; throughput counts the others.
                trainSeconds += clock.Elapsed.TotalSeconds;
                steps += batches.Count;
            }
            if (growth.IsCompleted)
            {
                continue;
            }

            model.eval();
            double loss;
            using (no_grad())
            using (var scope = NewDisposeScope())
            {
                var index = tensor(validation, device: device);
                loss = nn.functional.cross_entropy(model.call(x.index_select(0, index)), y.index_select(0, index)).item<float>();
            }

            var decision = growth.Step(loss, validation.Length, lr);
            decisions.Add($"{decision.Action}/{decision.Reason}/{decision.DendriteCount}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}: local loss {loss:F5}, combined {decision.Score:F5}: {decision.Action} ({decision.Reason}), {decision.DendriteCount} set(s)"));
            if (decision.RebuildOptimizer)
            {
                optimizer = optim.Adam(decision.TrainableParameters, decision.LearningRate ?? lr);
            }
        }

        var grew = decisions.Any(d => d.StartsWith("DendritesAdded", StringComparison.Ordinal));
        Report(grew, "growth", string.Join(", ", decisions));
 Report(sharedGenerator || growth.LastChangeWasIdentical != false, "growth-seeded", $"dendrites equal on every rank before rank 0's were broadcast: {growth.LastChangeWasIdentical}");
        Report(dp.ParametersEqual(model), "parameters-equal", "every rank holds rank 0's parameters after training");
        double sum, abs;
        using (var all = cat(model.parameters().Select(p => p.detach().reshape(-1).to(ScalarType.Float64)).ToArray()))
        {
            sum = all.sum().item<double>();
            abs = all.abs().sum().item<double>();
        }

        var perSecond = steps * (double)batch * c.WorldSize / trainSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| rank | world | timed steps | batch/rank | train s | samples/s (all ranks) | checksum |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {c.Rank} | {c.WorldSize} | {steps} | {batch} | {trainSeconds:F3} | {perSecond:F0} | {sum:R} / {abs:R} |"));
        return new Dictionary<string, object>
        {
            ["rank"] = c.Rank,
            ["worldSize"] = c.WorldSize,
            ["decisions"] = decisions,
            ["checksum"] = new[] { sum, abs },
            ["samplesPerSecond"] = perSecond,
            ["steps"] = steps,
            ["parameters"] = handle.Parameters().Sum(p => p.numel()),
        };
    }

    private static bool Uniform(Tensor t, double expected)
    {
        using var d = t.to(ScalarType.Float64);
        using var lo = d.min();
        using var hi = d.max();
        return lo.item<double>() == expected && hi.item<double>() == expected;
    }

    private static void Report(bool ok, string name, string detail)
    {
        if (!ok)
        {
            System.Threading.Interlocked.Increment(ref _failures);
        }

        Console.WriteLine($"{(ok ? "PASS" : "FAIL")} {name}{(detail.Length > 0 ? ": " + detail : string.Empty)}");
    }

    internal static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
