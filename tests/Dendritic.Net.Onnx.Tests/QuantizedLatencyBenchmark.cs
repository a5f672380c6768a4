using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dendritic.Onnx.Quantization;
using Dendritic.Onnx.Tests.Support;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// ONNX Runtime CPU latency of the latency benchmark's models (0, 1, 3 dendrite sets) as float32, int8 static and
/// int8 dynamic files, one intra-op thread, plus file sizes. Explicit: run it with
/// <c>dotnet test tests/Dendritic.Net.Onnx.Tests -c Release --filter TestCategory=QuantizedBenchmark</c>; it prints a
/// Markdown table and writes it to the file named by DENDRITIC_BENCHMARK_OUT when that is set.
/// </summary>
[Explicit("Benchmark: run on demand, not in CI.")]
[Category("QuantizedBenchmark")]
public class QuantizedLatencyBenchmark
{
    private const int Threads = 1;

    [Test]
    public void Latency_FloatVersusInt8_PrintsTable()
    {
        var rows = new List<string>
        {
            "| model | dendrite sets | batch | float32 (ms) | int8 static (ms) | int8 dynamic (ms) | static speed-up | dynamic speed-up | size float / int8 (KiB) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        };
        foreach (var sets in new[] { 0, 1, 3 })
        {
            torch.manual_seed(sets);
            using var mlp = LatencyBenchmark.Mlp(sets);
            rows.Add(Measure("MLP 256-512-512-10", sets, mlp, new long[] { 64, 256 }));
            using var cnn = LatencyBenchmark.Cnn(sets);
            rows.Add(Measure("CNN 3x32x32, 32/64 ch", sets, cnn, new long[] { 16, 3, 32, 32 }));
            using var sequence = LatencyBenchmark.Sequence(sets);
            rows.Add(Measure("Sequence T=64, 128-256-128", sets, sequence, new long[] { 8, 64, 128 }));
        }

        LatencyBenchmark.Publish(rows);
    }

    private static string Measure(string name, int sets, Sequential model, long[] shape)
    {
        model.eval();
        using var input = randn(shape);
        var floatModel = TestHandles.Export(model, input);
        var batches = Enumerable.Range(0, 4).Select(_ => randn(shape)).ToList();
        var staticModel = OnnxQuantizer.QuantizeStatic(floatModel, OrtCalibration.Runner(batches)).Model;
        batches.ForEach(b => b.Dispose());
        var dynamicModel = OnnxQuantizer.QuantizeDynamic(floatModel).Model;

        using var session = Session(floatModel);
        using var staticSession = Session(staticModel);
        using var dynamicSession = Session(dynamicModel);
        using var value = OrtValue.CreateTensorValueFromMemory(input.data<float>().ToArray(), shape);
        using var runOptions = new RunOptions();
        Action Call(InferenceSession s) => () =>
        {
            using var result = s.Run(runOptions, new[] { "input" }, new[] { value }, new[] { "output" });
        };

        // Each int8 file is timed against the float file in alternating rounds, so both see the same interference.
        var (floatMs, staticMs) = LatencyBenchmark.Time(Call(session), Call(staticSession));
        var (floatMs2, dynamicMs) = LatencyBenchmark.Time(Call(session), Call(dynamicSession));
        return string.Create(CultureInfo.InvariantCulture, $"| {name} | {sets} | {shape[0]} | {Math.Min(floatMs, floatMs2):F3} | {staticMs:F3} | {dynamicMs:F3} | {floatMs / staticMs:F2}x | {floatMs2 / dynamicMs:F2}x | {floatModel.Length / 1024.0:F0} / {staticModel.Length / 1024.0:F0} |");
    }

    private static InferenceSession Session(byte[] model)
    {
        using var options = new SessionOptions { IntraOpNumThreads = Threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        return new InferenceSession(model, options);
    }
}
