using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Dendritic.Onnx.Proto;
using Google.Protobuf;

namespace Dendritic.Onnx.Quantization;

/// <summary>
/// Runs the float model (through the caller's <see cref="CalibrationRunner"/>) with the activations to calibrate added
/// as graph outputs, and turns what it sees into one uint8 scale and zero point per activation.
/// </summary>
internal static class Calibrator
{
    /// <summary>The range of each named activation, as (scale, zero point) of an asymmetric uint8 quantization.</summary>
    /// <exception cref="OnnxQuantizationException">No batches, non-finite values, or outputs that do not match the names.</exception>
    public static Dictionary<string, (float Scale, byte ZeroPoint)> Run(QuantGraph graph, IReadOnlyList<string> values, CalibrationRunner runner, OnnxQuantizationOptions options)
    {
        var (model, outputs) = Instrument(graph, values);
        var stats = values.Select(_ => new Stats(options)).ToArray();
        var batches = 0;
        foreach (var batch in runner(model.ToByteArray(), outputs) ?? Array.Empty<IReadOnlyList<float[]>>())
        {
            if (batch is null || batch.Count != values.Count)
            {
                throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"Calibration batch {batches} returned {batch?.Count ?? 0} outputs; the runner must return one array per requested output name ({values.Count}), in order."));
            }

            for (var v = 0; v < values.Count; v++)
            {
                stats[v].Add(batch[v] ?? Array.Empty<float>(), values[v], batches);
            }

            batches++;
        }

        if (batches == 0)
        {
            throw new OnnxQuantizationException("Calibration got no batches: static quantization needs at least one representative input batch (a few hundred samples is typical). Pass batches to the runner, or use OnnxQuantizer.QuantizeDynamic, which needs none.");
        }

        var ranges = new Dictionary<string, (float, byte)>(StringComparer.Ordinal);
        for (var v = 0; v < values.Count; v++)
        {
            ranges[values[v]] = stats[v].Range(values[v], batches);
        }

        return ranges;
    }

    /// <summary>A copy of the model that also outputs every value to calibrate (through an Identity when it is a graph input).</summary>
    private static (ModelProto Model, List<string> Outputs) Instrument(QuantGraph graph, IReadOnlyList<string> values)
    {
        var model = graph.Model.Clone();
        var inputs = model.Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var existing = model.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var outputs = new List<string>(values.Count);
        foreach (var value in values)
        {
            var name = value;
            if (inputs.Contains(value))
            {
                // ONNX Runtime rejects a graph output that is also a graph input.
                name = graph.Unique(value + "_calibration");
                var identity = new NodeProto { OpType = "Identity", Name = graph.Unique(name + "_node") };
                identity.Input.Add(value);
                identity.Output.Add(name);
                model.Graph.Node.Add(identity);
            }

            if (existing.Add(name))
            {
                // Name only: ONNX Runtime infers the type of an extra output.
                model.Graph.Output.Add(new ValueInfoProto { Name = name });
            }

            outputs.Add(name);
        }

        return (model, outputs);
    }

    /// <summary>Running min/max and, for percentiles, a bounded reservoir sample of one activation's values.</summary>
    private sealed class Stats(OnnxQuantizationOptions options)
    {
        private readonly List<float> _sample = new();
        private readonly Random _random = new(12345);
        private long _seen;
        private long _count;
        private float _min;
        private float _max;

        public void Add(float[] values, string name, int batch)
        {
            foreach (var x in values)
            {
                if (!float.IsFinite(x))
                {
                    throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"Calibration batch {batch} gave a non-finite value ({x}) for {QuantGraph.Quote(name)}: the float model overflows or the input holds NaN/Infinity. Check the calibration inputs (normalised like the training data?) and the model."), string.Empty, name);
                }

                _count++;
                _min = Math.Min(_min, x);
                _max = Math.Max(_max, x);
                if (options.Method != CalibrationMethod.Percentile)
                {
                    continue;
                }

                // Reservoir sampling (seeded): every value seen has the same chance to be in the sample.
                _seen++;
                if (_sample.Count < options.MaxValuesPerTensor)
                {
                    _sample.Add(x);
                }
                else if (_random.NextInt64(_seen) is var slot && slot < options.MaxValuesPerTensor)
                {
                    _sample[(int)slot] = x;
                }
            }
        }

        public (float Scale, byte ZeroPoint) Range(string name, int batches)
        {
            if (_count == 0)
            {
                // The running min/max start at 0, so no values at all would pass for an all-zero activation and get
                // the arbitrary scale 1: every real value below 0.5 would then quantize to zero.
                throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"Calibration gave no values for {QuantGraph.Quote(name)} in {batches} batch(es): the runner returned an empty (or null) array for it every time, as for batches of zero samples. Give batches that hold at least one sample each."), string.Empty, name);
            }

            var (low, high) = (_min, _max);
            if (options.Method == CalibrationMethod.Percentile && _sample.Count > 0)
            {
                _sample.Sort();
                var top = options.Percentile / 100.0;
                var clippedLow = Math.Min(0, _sample[(int)Math.Floor((1 - top) * (_sample.Count - 1))]);
                var clippedHigh = Math.Max(0, _sample[(int)Math.Ceiling(top * (_sample.Count - 1))]);

                // A percentile range of width zero (more than 100 - Percentile % of the values are 0, as after a
                // mostly silent ReLU) would get the arbitrary scale 1 below; the values that are not 0 are then
                // better served by their own min/max than by a range that ignores them.
                if (clippedHigh > clippedLow)
                {
                    (low, high) = (clippedLow, clippedHigh);
                }
            }

            // The range always holds 0 exactly (zero padding and ReLU zeros must stay exact).
            var scale = (high - low) / 255f;
            if (!(scale > 0) || !float.IsFinite(scale))
            {
                // Width zero: every calibration value was exactly 0, so any scale represents them; 1 is as good as any.
                scale = scale == 0 ? 1f : throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"Calibration of {QuantGraph.Quote(name)} gave the range [{low}, {high}], whose width overflows float32, so no uint8 scale fits it. The float model overflows on the calibration inputs: check that they are normalised like the training data."), string.Empty, name);
            }

            var zeroPoint = (byte)Math.Clamp(Math.Round(-low / scale), 0, 255);
            return (scale, zeroPoint);
        }
    }
}
