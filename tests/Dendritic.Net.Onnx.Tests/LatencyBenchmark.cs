using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Dendritic.Onnx.Tests.Support;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// CPU inference latency of the same models in TorchSharp (eval, no_grad) and as exported ONNX in ONNX Runtime, both
/// on one intra-op thread. Explicit: run it with
/// <c>dotnet test tests/Dendritic.Net.Onnx.Tests --filter TestCategory=Benchmark</c>; it prints a Markdown table and
/// writes it to the file named by DENDRITIC_BENCHMARK_OUT when that is set. The numbers in docs/export.md come from it.
/// </summary>
[Explicit("Benchmark: run on demand, not in CI.")]
[Category("Benchmark")]
public class LatencyBenchmark
{
    private const int Threads = 1;

    // Many short rounds: on a shared machine, the fastest of many finds the quiet moments.
    private const int Rounds = 25;

    [Test]
    public void Latency_TorchSharpVersusOnnxRuntime_PrintsTable()
    {
        torch.set_num_threads(Threads);
        var rows = new List<string>
        {
            "| model | dendrite sets | batch | TorchSharp (ms) | ONNX Runtime (ms) | speed-up |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        };
        foreach (var sets in new[] { 0, 1, 3 })
        {
            torch.manual_seed(sets);
            using var mlp = Mlp(sets);
            rows.Add(Measure("MLP 256-512-512-10", sets, mlp, new long[] { 1, 256 }));
            rows.Add(Measure("MLP 256-512-512-10", sets, mlp, new long[] { 64, 256 }));
            using var cnn = Cnn(sets);
            rows.Add(Measure("CNN 3x32x32, 32/64 ch", sets, cnn, new long[] { 1, 3, 32, 32 }));
            rows.Add(Measure("CNN 3x32x32, 32/64 ch", sets, cnn, new long[] { 16, 3, 32, 32 }));
            using var sequence = Sequence(sets);
            rows.Add(Measure("Sequence T=64, 128-256-128", sets, sequence, new long[] { 8, 64, 128 }));
        }

        Publish(rows);
    }

    /// <summary>Prints the table and, when DENDRITIC_BENCHMARK_OUT names a file, writes it there too.</summary>
    internal static void Publish(IEnumerable<string> rows)
    {
        var table = string.Join(Environment.NewLine, rows);
        TestContext.Progress.WriteLine(table);
        var path = Environment.GetEnvironmentVariable("DENDRITIC_BENCHMARK_OUT");
        if (!string.IsNullOrEmpty(path))
        {
            File.WriteAllText(path, table + Environment.NewLine, new UTF8Encoding(false));
        }
    }

    private static string Measure(string name, int sets, Sequential model, long[] shape)
    {
        model.eval();
        using var input = randn(shape);
        var bytes = TestHandles.Export(model, input);
        Action torchCall = () =>
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            model.call(input);
        };

        using var options = new SessionOptions { IntraOpNumThreads = Threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(bytes, options);
        var data = input.data<float>().ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(data, shape);
        using var runOptions = new RunOptions();
        var names = new[] { "input" };
        var outputs = new[] { "output" };
        var values = new[] { value };
        Action onnxCall = () =>
        {
            using var result = session.Run(runOptions, names, values, outputs);
        };

        var (torchMs, onnxMs) = Time(torchCall, onnxCall);
        return string.Create(CultureInfo.InvariantCulture, $"| {name} | {sets} | {shape[0]} | {torchMs:F3} | {onnxMs:F3} | {torchMs / onnxMs:F2}x |");
    }

    /// <summary>
    /// Milliseconds per call of each action in its fastest of <see cref="Rounds"/> rounds of about 100 ms, after a warm-up. Rounds of
    /// the two alternate, so both see the same interference; the minimum, not the median, because on a shared
    /// machine interference only ever adds time.
    /// </summary>
    internal static (double First, double Second) Time(Action first, Action second)
    {
        var perRoundFirst = Calibrate(first);
        var perRoundSecond = Calibrate(second);
        var best = (First: double.MaxValue, Second: double.MaxValue);
        var watch = new Stopwatch();
        for (var r = 0; r < Rounds; r++)
        {
            watch.Restart();
            for (var i = 0; i < perRoundFirst; i++)
            {
                first();
            }

            best.First = Math.Min(best.First, watch.Elapsed.TotalMilliseconds / perRoundFirst);
            watch.Restart();
            for (var i = 0; i < perRoundSecond; i++)
            {
                second();
            }

            best.Second = Math.Min(best.Second, watch.Elapsed.TotalMilliseconds / perRoundSecond);
        }

        return best;
    }

    /// <summary>Warms <paramref name="action"/> up and returns how many calls take about 100 ms.</summary>
    private static int Calibrate(Action action)
    {
        for (var i = 0; i < 20; i++)
        {
            action();
        }

        var watch = Stopwatch.StartNew();
        var calls = 0;
        while (watch.ElapsedMilliseconds < 50)
        {
            action();
            calls++;
        }

        return Math.Max(5, (int)(calls * 100.0 / Math.Max(1, watch.ElapsedMilliseconds)));
    }

    internal static Sequential Mlp(int sets) => nn.Sequential(
        Models.Dendritic(nn.Linear(256, 512), sets, 1),
        nn.ReLU(),
        Models.Dendritic(nn.Linear(512, 512), sets, 2),
        nn.ReLU(),
        Models.Dendritic(nn.Linear(512, 10), sets, 3));

    internal static Sequential Cnn(int sets) => nn.Sequential(
        Models.Dendritic(nn.Conv2d(3, 32, 3, padding: 1), sets, 4),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        Models.Dendritic(nn.Conv2d(32, 64, 3, padding: 1), sets, 5),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        Models.Dendritic(nn.Linear(64, 10), sets, 6));

    internal static Sequential Sequence(int sets) => nn.Sequential(
        Models.Dendritic(nn.Linear(128, 256), sets, 7),
        nn.GELU(),
        nn.LayerNorm(256),
        Models.Dendritic(nn.Linear(256, 128), sets, 8));
}
