using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Dendritic.Experiments;
using Dendritic.Onnx;
using Dendritic.Onnx.Quantization;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Dendritic.Pilot;

/// <summary>
/// <c>--quantize</c>: exports the trained baseline and dendritic models to ONNX, quantizes them to int8 (static,
/// calibrated on training images; and dynamic), and measures each file in ONNX Runtime on CPU: test accuracy on the
/// pilot's test split, file size, and median latency per batch. Writes <c>quantization.md</c> and
/// <c>quantization.csv</c> beside the report and the files under <c>onnx/</c>.
/// </summary>
internal sealed class PilotQuantization
{
    private const int CalibrationSamples = 512;
    private const int CalibrationBatch = 128;
    private const int WarmUpRuns = 5;
    private const int TimedRounds = 50;

    private readonly ExperimentData _data;
    private readonly string _folder;
    private readonly int _threads;
    private readonly int _latencyBatch;
    private readonly List<Row> _rows = new();

    public PilotQuantization(ExperimentData data, string outputFolder, int threads, int latencyBatch)
    {
        _data = data;
        _folder = outputFolder;
        _threads = threads;
        _latencyBatch = (int)Math.Min(latencyBatch, data.Test.Count);
    }

    /// <summary>The harness's <see cref="ExperimentOptions.RunFinished"/> callback.</summary>
    public void OnRunFinished(RunResult run, nn.Module model, DendriticModel? handle)
    {
        if (run.Arm is not (ArmKind.Baseline or ArmKind.Dendritic))
        {
            return;
        }

        // The export runs its own check pass in eval mode (EvalModeScope), restoring every module's own mode after it.
        var device = model.parameters().First().device;
        using var sample = _data.Test.Inputs.narrow(0, 0, 2).to(device);
        var floatModel = handle is null ? OnnxExporter.ExportToBytes(model, sample) : OnnxExporter.ExportToBytes(handle, sample);
        var variants = new (string Name, byte[] Bytes)[]
        {
            ("float32", floatModel),
            ("int8 static", OnnxQuantizer.QuantizeStatic(floatModel, Calibrate).Model),
            ("int8 dynamic", OnnxQuantizer.QuantizeDynamic(floatModel).Model),
        };
        var latencies = Latencies(variants.Select(v => v.Bytes).ToArray());
        var floatPredictions = Predictions(floatModel);
        for (var i = 0; i < variants.Length; i++)
        {
            var (name, bytes) = variants[i];
            var file = Path.Combine(_folder, "onnx", string.Create(CultureInfo.InvariantCulture, $"{run.Arm.ToString().ToLowerInvariant()}-seed{run.Seed}-{name.Replace(' ', '-')}.onnx"));
            PilotFiles.WriteAtomically(file, bytes);
            var predictions = i == 0 ? floatPredictions : Predictions(bytes);
            using var targets = _data.Test.Targets.cpu();
            var labels = targets.data<long>().ToArray();
            var accuracy = (double)predictions.Where((p, j) => p == labels[j]).Count() / labels.Length;
            var agreement = (double)predictions.Where((p, j) => p == floatPredictions[j]).Count() / labels.Length;
            _rows.Add(new Row(run.Arm, run.Seed, run.DendriteCount, name, accuracy, agreement, bytes.Length, latencies[i]));
        }
    }

    /// <summary>Writes quantization.md and quantization.csv; returns their paths.</summary>
    public IEnumerable<string> Write()
    {
        if (_rows.Count == 0)
        {
            return Array.Empty<string>();
        }

        var csv = new StringBuilder("arm,seed,dendrites_per_layer,model,test_accuracy,top1_agreement_with_float,file_bytes,median_latency_ms\n");
        foreach (var r in _rows)
        {
            csv.AppendLine(CultureInfo.InvariantCulture, $"{r.Arm},{r.Seed},{r.Dendrites},{r.Variant},{r.Accuracy:F4},{r.Agreement:F4},{r.Bytes},{r.LatencyMs:F4}");
        }

        var md = new StringBuilder("# ONNX float32 vs int8 (--quantize)\n\n");
        md.AppendLine(CultureInfo.InvariantCulture, $"Each arm's reported model (its best-validation epoch, whose test accuracy the report gives; not its last epoch) exported to ONNX and quantized; run in ONNX Runtime {typeof(InferenceSession).Assembly.GetName().Version} on CPU with {_threads} intra-op thread(s). Accuracy on the whole test split ({_data.Test.Count} samples). Latency: median of {TimedRounds} runs of one batch of {_latencyBatch} after {WarmUpRuns} warm-ups, the variants interleaved; on a shared machine it is noisy — compare within a row group, not across machines. Int8 static: calibrated (min/max) on the first {CalibrationSamples} training images. Accuracy, agreement and size: mean over seeds (agreement: share of test samples whose top-1 class equals the float file's; its lowest seed in brackets); latency: median over seeds.\n");
        md.AppendLine("| arm | model | test accuracy | top-1 agreement with float (lowest seed) | file size (KiB) | latency per batch (ms) |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: |");
        foreach (var group in _rows.GroupBy(r => (r.Arm, r.Variant)))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {group.Key.Arm} | {group.Key.Variant} | {group.Average(r => r.Accuracy):P2} | {group.Average(r => r.Agreement):P2} ({group.Min(r => r.Agreement):P2}) | {group.Average(r => r.Bytes) / 1024.0:F1} | {Median(group.Select(r => r.LatencyMs).ToList()):F3} |");
        }

        var files = new[] { (Path.Combine(_folder, "quantization.csv"), csv.ToString()), (Path.Combine(_folder, "quantization.md"), md.ToString()) };
        foreach (var (path, text) in files)
        {
            PilotFiles.WriteAtomically(path, text);
        }

        Console.WriteLine(md.ToString());
        return files.Select(f => f.Item1);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[(values.Count / 2) - 1] + values[values.Count / 2]) / 2;
    }

    private SessionOptions Options() => new()
    {
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        IntraOpNumThreads = _threads,
        InterOpNumThreads = 1,
    };

    /// <summary>The calibration runner: the instrumented float model over the first training images.</summary>
    private IEnumerable<IReadOnlyList<float[]>> Calibrate(byte[] model, IReadOnlyList<string> outputs)
    {
        using var options = Options();
        using var session = new InferenceSession(model, options);
        var count = Math.Min(CalibrationSamples, _data.Train.Count);
        for (long start = 0; start < count; start += CalibrationBatch)
        {
            using var batch = _data.Train.Inputs.narrow(0, start, Math.Min(CalibrationBatch, count - start));
            yield return Run(session, batch, outputs).Select(o => o.Values).ToArray();
        }
    }

    /// <summary>The top-1 class of every test sample, in ONNX Runtime.</summary>
    private long[] Predictions(byte[] model)
    {
        using var options = Options();
        using var session = new InferenceSession(model, options);
        var output = session.OutputMetadata.Keys.First();
        var predictions = new List<long>();
        for (long start = 0; start < _data.Test.Count; start += 1000)
        {
            using var batch = _data.Test.Inputs.narrow(0, start, Math.Min(1000, _data.Test.Count - start));
            var (values, shape) = Run(session, batch, new[] { output })[0];
            using var logits = tensor(values, shape);
            using var predicted = logits.argmax(-1);
            predictions.AddRange(predicted.data<long>().ToArray());
        }

        return predictions.ToArray();
    }

    /// <summary>Median milliseconds per batch of each model, the models timed in turn within every round.</summary>
    private double[] Latencies(byte[][] models)
    {
        var sessions = models.Select(m =>
        {
            using var options = Options();
            return new InferenceSession(m, options);
        }).ToArray();
        try
        {
            using var batch = _data.Test.Inputs.narrow(0, 0, _latencyBatch).to(float32).cpu().contiguous();
            var input = batch.data<float>().ToArray();
            using var value = OrtValue.CreateTensorValueFromMemory(input, batch.shape);
            using var runOptions = new RunOptions();
            var names = sessions.Select(s => (Input: s.InputMetadata.Keys.First(), Output: s.OutputMetadata.Keys.First())).ToArray();
            var times = models.Select(_ => new List<double>()).ToArray();
            for (var round = -WarmUpRuns; round < TimedRounds; round++)
            {
                for (var i = 0; i < sessions.Length; i++)
                {
                    var clock = Stopwatch.StartNew();
                    using (sessions[i].Run(runOptions, new[] { names[i].Input }, new[] { value }, new[] { names[i].Output }))
                    {
                    }

                    if (round >= 0)
                    {
                        times[i].Add(clock.Elapsed.TotalMilliseconds);
                    }
                }
            }

            return times.Select(Median).ToArray();
        }
        finally
        {
            foreach (var session in sessions)
            {
                session.Dispose();
            }
        }
    }

    private static (float[] Values, long[] Shape)[] Run(InferenceSession session, Tensor batch, IReadOnlyList<string> outputs)
    {
        using var data = batch.to(float32).cpu().contiguous();
        using var value = OrtValue.CreateTensorValueFromMemory(data.data<float>().ToArray(), data.shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, new[] { session.InputMetadata.Keys.First() }, new[] { value }, outputs.ToArray());
        return results.Select(r => (r.GetTensorDataAsSpan<float>().ToArray(), r.GetTensorTypeAndShape().Shape)).ToArray();
    }

    private sealed record Row(ArmKind Arm, int Seed, int Dendrites, string Variant, double Accuracy, double Agreement, long Bytes, double LatencyMs);
}
