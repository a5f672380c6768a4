using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace Dendritic.Benchmarks;

/// <summary>
/// <c>versus-original FOLDER...</c>: the side-by-side table of docs/benchmarks.md from one run's folder: our
/// LayerTraining and LayerInference CSV reports beside the original's <c>pai_overhead2_*.json</c> (written by
/// ../shared/anchors/pai_overhead2.py in the same device call). Per case, dtype and D: both times in ms and ours /
/// original (at most 1.00 is the target of issues #10 and #19), plus both plain layers, which show how far the two
/// programs' machines and libtorch agreed.
/// </summary>
internal static class OriginalComparison
{
    public static int Print(string[] folders)
    {
        foreach (var folder in folders)
        {
            var csvs = Directory.GetFiles(folder, "*Layer*-report.csv", SearchOption.AllDirectories);
            var ours = ResultTable.Read(csvs);
            var original = Directory.GetFiles(folder, "pai_overhead2_*.json", SearchOption.AllDirectories).SelectMany(ReadOriginal).ToList();
            if (ours.Count == 0 || original.Count == 0)
            {
                Console.Error.WriteLine($"{folder}: needs LayerTraining/LayerInference *-report.csv and pai_overhead2_*.json; found {csvs.Length} CSV and {original.Count} original rows.");
                return 1;
            }

            foreach (var (suite, key) in new[] { ("LayerTraining", "train"), ("LayerInference", "infer") })
            {
                var rows = ours.Where(r => r.Suite == suite).OrderByDescending(r => r.DType).ThenBy(r => r.Subject).ThenBy(r => r.Dendrites).ToList();
                if (rows.Count == 0)
                {
                    continue;
                }

                Console.WriteLine($"### {suite} ({(key == "train" ? "forward + backward" : "no_grad forward")}), {folder}");
                Console.WriteLine();
                Console.WriteLine("| dtype | case | plain original / ours (ms) | D | original (ms) | ours (ms) | ours / original |");
                Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
                var worst = 0.0;
                foreach (var r in rows)
                {
                    // A row of the fused kernel ("Linear small kernel:cuda"), or of a step replayed from a CUDA graph
                    // ("... graph"), is compared with the same case of the original, which was timed eagerly.
                    var subject = string.Join(" ", r.Subject.Split(' ').Where(w => !w.StartsWith("kernel:", StringComparison.Ordinal) && w != "graph"));
                    var match = original.FirstOrDefault(o => o.Case == subject && o.DType == r.DType && o.Dendrites == r.Dendrites);
                    if (match is null)
                    {
                        continue;
                    }

                    var (theirs, theirPlain) = key == "train" ? (match.Train, match.PlainTrain) : (match.Infer, match.PlainInfer);
                    var ratio = r.DendriticMs / theirs;
                    worst = Math.Max(worst, ratio);
                    Console.WriteLine(FormattableString.Invariant($"| {r.DType} | {r.Subject} | {theirPlain:0.0} / {r.PlainMs:0.0} | {r.Dendrites} | {theirs:0.0} | {r.DendriticMs:0.0} | {ratio:0.00} |"));
                }

                Console.WriteLine();
                Console.WriteLine(FormattableString.Invariant($"Worst ours / original: {worst:0.00} (target: at most 1.00 in every cell)."));
                Console.WriteLine();
            }
        }

        return 0;
    }

    /// <summary>The rows of one pai_overhead2_*.json (cases the original failed on are left out).</summary>
    internal static IEnumerable<OriginalRow> ReadOriginal(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        foreach (var row in document.RootElement.EnumerateArray())
        {
            if (!row.TryGetProperty("ms_pai_train", out var train))
            {
                continue; // the original failed on this case; its "error" says why
            }

            yield return new OriginalRow(
                row.GetProperty("case").GetString()!,
                row.GetProperty("dtype").GetString()!,
                row.GetProperty("dendrites").GetInt32(),
                train.GetDouble(),
                row.GetProperty("ms_pai_infer").GetDouble(),
                row.GetProperty("ms_plain_train").GetDouble(),
                row.GetProperty("ms_plain_infer").GetDouble());
        }
    }


    /// <summary>One case of the original's timing: training and inference ms with dendrites and of the plain layer.</summary>
    internal sealed record OriginalRow(string Case, string DType, int Dendrites, double Train, double Infer, double PlainTrain, double PlainInfer);
}
