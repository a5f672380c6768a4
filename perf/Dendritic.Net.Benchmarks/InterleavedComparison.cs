using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace Dendritic.Benchmarks;

/// <summary>
/// <c>versus-rounds FOLDER</c>: issue #19's table from an interleaved run (gpu-bench.sh <c>cpu-interleaved</c>): each
/// <c>round-N/</c> folder holds our <c>ours_probe.json</c> (<see cref="VersusProbe"/>) and the original's
/// <c>pai_overhead2_cpu.json</c>, measured back to back with the order alternating between rounds. Per cell: the
/// median over rounds of both times and of the per-round ratio ours / original, with its range; the plain layers'
/// ratio shows how far the two programs' libtorch calls agreed in the same rounds, and the last column compares each
/// program's time over its own plain layer.
/// </summary>
internal static class InterleavedComparison
{
    public static int Print(string folder)
    {
        var rounds = Directory.GetDirectories(folder, "round-*", SearchOption.AllDirectories)
            .Select(Read)
            .Where(r => r.Count > 0)
            .ToList();
        if (rounds.Count == 0)
        {
            Console.Error.WriteLine($"{folder}: no round-N folder with both ours_probe.json and pai_overhead2_cpu.json.");
            return 1;
        }

        foreach (var (mode, title) in new[] { ("train", "forward + backward"), ("infer", "no_grad forward") })
        {
            Console.WriteLine($"#### {(mode == "train" ? "Training step" : "Inference")} ({title}), {rounds.Count} interleaved rounds, {folder}");
            Console.WriteLine();
            Console.WriteLine("| case | plain ours / original (median ratio) | D | original (ms) | ours (ms) | ours / original, median (range) | overheads ours / original |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            var worst = 0.0;
            foreach (var key in rounds[0].Keys.OrderBy(k => k.Case, StringComparer.Ordinal).ThenBy(k => k.Dendrites))
            {
                var cells = rounds.Where(r => r.ContainsKey(key)).Select(r => r[key]).ToList();
                double Pick(Cell c, bool ours, bool plain) => (mode, ours, plain) switch
                {
                    ("train", true, false) => c.OursTrain,
                    ("train", false, false) => c.TheirsTrain,
                    ("train", true, true) => c.OursPlainTrain,
                    ("train", false, true) => c.TheirsPlainTrain,
                    (_, true, false) => c.OursInfer,
                    (_, false, false) => c.TheirsInfer,
                    (_, true, true) => c.OursPlainInfer,
                    _ => c.TheirsPlainInfer,
                };

                var ratios = cells.Select(c => Pick(c, true, false) / Pick(c, false, false)).ToList();
                var plainRatio = Median(cells.Select(c => Pick(c, true, true) / Pick(c, false, true)));
                var ratio = Median(ratios);
                // Each program's time over its own plain layer, compared: what the dendrites cost apart from any
                // difference in the plain libtorch call the two programs make.
                var overhead = Median(cells.Select(c => Pick(c, true, false) / Pick(c, true, true) / (Pick(c, false, false) / Pick(c, false, true))));
                worst = Math.Max(worst, ratio);
                Console.WriteLine(Inv($"| {key.Case} | {plainRatio:0.00} | {key.Dendrites} | {Median(cells.Select(c => Pick(c, false, false))):0.0} | {Median(cells.Select(c => Pick(c, true, false))):0.0} | {ratio:0.00} ({ratios.Min():0.00}-{ratios.Max():0.00}) | {overhead:0.00} |"));
            }

            Console.WriteLine();
            Console.WriteLine(Inv($"Worst median ours / original: {worst:0.00} (target: at most 1.00 in every cell)."));
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
                row.GetProperty("ms_ours_train").GetDouble(),
                row.GetProperty("ms_ours_infer").GetDouble(),
                row.GetProperty("ms_plain_train").GetDouble(),
                row.GetProperty("ms_plain_infer").GetDouble(),
                match.Train,
                match.Infer,
                match.PlainTrain,
                match.PlainInfer);
        }

        return cells;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        var n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Cell(
        double OursTrain, double OursInfer, double OursPlainTrain, double OursPlainInfer,
        double TheirsTrain, double TheirsInfer, double TheirsPlainTrain, double TheirsPlainInfer);
}
