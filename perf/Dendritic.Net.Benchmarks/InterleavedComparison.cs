using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using Dendritic.Experiments;

namespace Dendritic.Benchmarks;

/// <summary>
/// <c>versus-rounds FOLDER</c>: issue #19's table from an interleaved run (gpu-bench.sh <c>cpu-interleaved</c>): each
/// <c>round-N/</c> folder holds our <c>ours_probe.json</c> (<see cref="VersusProbe"/>) and the original's
/// <c>pai_overhead2_cpu.json</c>, measured back to back with the order alternating between rounds. Per cell: the
/// median over rounds of both times and of the per-round ratio ours / original, with its range; the plain layers'
/// ratio shows how far the two programs' libtorch calls agreed in the same rounds, and the last column compares each
/// program's time over its own plain layer. The geometric mean of the per-round ratios comes with a 95% Student-t
/// interval (over the log ratios), so a cell reads "ours is faster" only when the whole interval lies below 1.00.
/// Rounds may come from several streams run side by side on disjoint cores (<c>stream-K/round-N/</c>).
/// </summary>
internal static class InterleavedComparison
{
    public static int Print(IReadOnlyList<string> folders)
    {
        var rounds = folders
            .SelectMany(f => Directory.GetDirectories(f, "round-*", SearchOption.AllDirectories))
            .Select(Read)
            .Where(r => r.Count > 0)
            .ToList();
        var folder = string.Join(" + ", folders);
        if (rounds.Count == 0)
        {
            Console.Error.WriteLine($"{folder}: no round-N folder with both ours_probe.json and pai_overhead2_cpu.json.");
            return 1;
        }

        foreach (var (mode, title) in new[] { ("train", "forward + backward"), ("infer", "no_grad forward") })
        {
            Console.WriteLine($"#### {(mode == "train" ? "Training step" : "Inference")} ({title}), {rounds.Count} interleaved rounds, {folder}");
            Console.WriteLine();
            Console.WriteLine("| case | plain ours / original (median ratio) | D | original (ms) | ours (ms) | ours / original, median (range) | geometric mean (95% CI) | overheads ours / original |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            var worst = 0.0;
            var worstHigh = 0.0;
            var below = 0;
            var cellCount = 0;
            var slower = new List<string>();
            var faster = new List<string>();
            foreach (var key in rounds[0].Keys.OrderBy(k => k.Case, StringComparer.Ordinal).ThenBy(k => k.Dendrites))
            {
                var cells = rounds.Where(r => r.ContainsKey(key)).Select(r => r[key]).ToList();
                (double Layer, double Plain) Times(Side side) => mode == "train" ? (side.Train, side.PlainTrain) : (side.Infer, side.PlainInfer);
                var ours = cells.Select(c => Times(c.Ours)).ToList();
                var theirs = cells.Select(c => Times(c.Theirs)).ToList();
                var ratios = ours.Zip(theirs, (o, t) => o.Layer / t.Layer).ToList();
                var plainRatio = Medians.Of(ours.Zip(theirs, (o, t) => o.Plain / t.Plain));
                var ratio = Medians.Of(ratios);
                // Each program's time over its own plain layer, compared: what the dendrites cost apart from any
                // difference in the plain libtorch call the two programs make.
                var overhead = Medians.Of(ours.Zip(theirs, (o, t) => o.Layer / o.Plain / (t.Layer / t.Plain)));
                var logs = Statistics.Summarize(ratios.Select(r => Math.Log(r)));
                var high = Math.Exp(logs.High95 ?? logs.Mean);
                worst = Math.Max(worst, ratio);
                worstHigh = Math.Max(worstHigh, high);
                below += ratio <= 1.0 ? 1 : 0;
                cellCount++;
                var interval = logs.Low95 is { } low ? FormattableString.Invariant($" ({Math.Exp(low):0.00}-{high:0.00})") : string.Empty;
                // Judged on the unrounded bounds: an interval printed as 1.00-1.19 may lie wholly above 1.
                var label = FormattableString.Invariant($"{key.Case} D = {key.Dendrites}");
                if (logs.Low95 is { } lowLog && lowLog > 0)
                {
                    slower.Add(label);
                    interval += ", slower";
                }
                else if (logs.High95 is { } highLog && highLog < 0)
                {
                    faster.Add(label);
                    interval += ", faster";
                }

                Console.WriteLine(FormattableString.Invariant($"| {key.Case} | {plainRatio:0.00} | {key.Dendrites} | {Medians.Of(theirs.Select(t => t.Layer)):0.0} | {Medians.Of(ours.Select(o => o.Layer)):0.0} | {ratio:0.00} ({ratios.Min():0.00}-{ratios.Max():0.00}) | {Math.Exp(logs.Mean):0.00}{interval} | {overhead:0.00} |"));
            }

            Console.WriteLine();
            Console.WriteLine(FormattableString.Invariant($"Worst median ours / original: {worst:0.00} (target: at most 1.00 in every cell); medians at most 1.00 in {below} of {cellCount} cells; highest upper 95% bound of the geometric mean: {worstHigh:0.00}."));
            Console.WriteLine(FormattableString.Invariant($"Whole 95% interval above 1 (significantly slower): {(slower.Count == 0 ? "none" : string.Join(", ", slower))}; below 1 (significantly faster): {(faster.Count == 0 ? "none" : string.Join(", ", faster))}."));
            Console.WriteLine();
        }

        return 0;
    }

    private static Dictionary<(string Case, int Dendrites), Cell> Read(string roundFolder)
    {
        var oursPath = Path.Combine(roundFolder, "ours_probe.json");
        var theirsPath = Directory.GetFiles(roundFolder, "pai_overhead2_*.json").FirstOrDefault();
        var cells = new Dictionary<(string, int), Cell>();
        if (!File.Exists(oursPath) || theirsPath is null)
        {
            return cells;
        }

        var theirs = OriginalComparison.ReadOriginal(theirsPath).Where(o => o.DType == "float32").ToList();
        using var document = JsonDocument.Parse(File.ReadAllText(oursPath));
        foreach (var row in document.RootElement.EnumerateArray())
        {
            var name = row.GetProperty("case").GetString()!;
            var d = row.GetProperty("dendrites").GetInt32();
            var match = theirs.FirstOrDefault(o => o.Case == name && o.Dendrites == d);
            if (match is null)
            {
                continue;
            }

            cells[(name, d)] = new Cell(
                new Side(row.GetProperty("ms_ours_train").GetDouble(), row.GetProperty("ms_ours_infer").GetDouble(), row.GetProperty("ms_plain_train").GetDouble(), row.GetProperty("ms_plain_infer").GetDouble()),
                new Side(match.Train, match.Infer, match.PlainTrain, match.PlainInfer));
        }

        return cells;
    }

    /// <summary>One program's times of a cell (ms): the dendrite layer and its plain layer, training and inference.</summary>
    private sealed record Side(double Train, double Infer, double PlainTrain, double PlainInfer);

    private sealed record Cell(Side Ours, Side Theirs);
}
