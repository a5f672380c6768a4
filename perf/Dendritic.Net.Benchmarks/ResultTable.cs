using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace Dendritic.Benchmarks;

/// <summary>One decorated-against-plain measurement read back from a BenchmarkDotNet CSV report.</summary>
internal sealed record RatioRow(string Suite, string Device, string DType, string Subject, int Dendrites, double PlainMs, double DendriticMs)
{
    /// <summary>Decorated time over plain time.</summary>
    public double Ratio => DendriticMs / PlainMs;

    /// <summary>The physical limit: (1 + D) times the host's FLOPs.</summary>
    public double Limit => 1 + Dendrites;
}

/// <summary>
/// Reads BenchmarkDotNet's CSV reports ("*-report.csv") of the layer and model suites and pairs each Dendritic row
/// with the Plain row of the same parameters; the "report" mode prints them as Markdown tables for the docs.
/// </summary>
internal static class ResultTable
{
    private static readonly string[] SubjectColumns = { "Host", "Size", "Model" };

    /// <summary>All ratio rows of the given CSV files.</summary>
    public static List<RatioRow> Read(IEnumerable<string> paths)
    {
        var rows = new List<RatioRow>();
        foreach (var path in paths)
        {
            var lines = File.ReadAllLines(path).Where(l => l.Length > 0).Select(SplitCsv).ToList();
            if (lines.Count == 0 || !lines[0].Contains("Method"))
            {
                continue; // not a BenchmarkDotNet report (e.g. nvidia-smi.csv beside it)
            }

            var header = lines[0];
            int Col(string name) => Array.FindIndex(header, h => h == name || h.StartsWith(name + " [", StringComparison.Ordinal));
            var method = Col("Method");
            // The median resists the odd slow iteration (a shared machine, a GC); reports without it use the mean.
            var mean = Col("Median") >= 0 ? Col("Median") : Col("Mean");
            var unit = header[mean].Contains("[us]", StringComparison.Ordinal) ? 1e-3 : header[mean].Contains("[s]", StringComparison.Ordinal) ? 1e3 : 1.0;
            // Capture is one of them: a graph's replay changes the plain layer's time too, so each capture has its own baseline.
            var paramColumns = new[] { "Device", "DType", "Host", "Size", "Model", "Dendrites", "Capture" }.Select(Col).Where(i => i >= 0).ToArray();
            var projection = Col("Projection");
            var kernel = Col("Kernel");
            var suite = Path.GetFileName(path).Split('-')[0].Split('.').Last();
            // The plain host does not depend on D, so its runs for every D of a case are pooled into one baseline:
            // that takes out most of the noise a single short plain run puts into the ratio.
            var baselineColumns = paramColumns.Where(i => header[i] != "Dendrites").ToArray();
            var plain = new Dictionary<string, List<double>>();
            var dendritic = new List<(string[] Row, double Mean)>();
            foreach (var row in lines.Skip(1))
            {
                var value = ParseMs(row[mean]) * unit;
                var key = string.Join("|", baselineColumns.Select(i => row[i]));
                if (row[method] == "Plain")
                {
                    if (!plain.TryGetValue(key, out var runs))
                    {
                        plain[key] = runs = new List<double>();
                    }

                    runs.Add(value);
                }
                else if (row[method] == "Dendritic")
                {
                    dendritic.Add((row, value));
                }
            }

            foreach (var (row, value) in dendritic)
            {
                var key = string.Join("|", baselineColumns.Select(i => row[i]));
                if (!plain.TryGetValue(key, out var runs))
                {
                    continue;
                }

                var baseline = runs.Average();

                string Get(string name) => Col(name) is var i && i >= 0 ? row[i] : string.Empty;
                // The plain host does not depend on the projection path: its runs are pooled across paths, and a path
                // other than the default is named in the subject ("Linear small Separate").
                var projectionName = projection >= 0 && row[projection] != nameof(DendriteProjection.Auto) ? row[projection] : string.Empty;
                // Likewise the cascade kernel: the plain host does not use it; a kernel other than the reference is named.
                var kernelName = kernel >= 0 && row[kernel] != "reference" ? $"kernel:{row[kernel]}" : string.Empty;
                var captureName = Get("Capture") is var capture && capture.Length > 0 && capture != "eager" ? capture : string.Empty;
                var subject = string.Join(" ", SubjectColumns.Select(Get).Append(projectionName).Append(kernelName).Append(captureName).Where(s => s.Length > 0));
                rows.Add(new RatioRow(suite, Get("Device"), Get("DType"), subject, int.Parse(Get("Dendrites"), CultureInfo.InvariantCulture), baseline, value));
            }
        }

        return rows;
    }

    /// <summary>
    /// Prints one Markdown table per suite: a row per case with the plain time and, per dendrite count, the ratio and
    /// (in brackets) the ratio over the (1 + D) limit. With "--long" first, one row per measurement instead.
    /// </summary>
    public static int Print(string[] args)
    {
        var longForm = args.Length > 0 && args[0] == "--long";
        var rows = Read(longForm ? args[1..] : args);
        foreach (var suite in rows.GroupBy(r => r.Suite))
        {
            Console.WriteLine($"### {suite.Key}");
            Console.WriteLine();
            var ordered = suite.OrderBy(r => r.Device).ThenByDescending(r => r.DType).ThenBy(r => r.Subject).ThenBy(r => r.Dendrites).ToList();
            if (longForm)
            {
                Console.WriteLine("| device | dtype | case | D | plain (ms) | dendritic (ms) | ratio | 1+D | ratio / (1+D) |");
                Console.WriteLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
                foreach (var r in ordered)
                {
                    Console.WriteLine(FormattableString.Invariant($"| {r.Device} | {r.DType} | {r.Subject} | {r.Dendrites} | {r.PlainMs:0.000} | {r.DendriticMs:0.000} | {r.Ratio:0.00}x | {r.Limit:0} | {r.Ratio / r.Limit:0.00} |"));
                }
            }
            else
            {
                var counts = ordered.Select(r => r.Dendrites).Distinct().OrderBy(d => d).ToList();
                Console.WriteLine("| device | dtype | case | plain (ms) | " + string.Join(" | ", counts.Select(d => FormattableString.Invariant($"D={d}"))) + " |");
                Console.WriteLine("| --- | --- | --- | ---: | " + string.Join(" | ", counts.Select(_ => "---:")) + " |");
                foreach (var group in ordered.GroupBy(r => (r.Device, r.DType, r.Subject)))
                {
                    var cells = counts.Select(d => group.FirstOrDefault(r => r.Dendrites == d) is { } r ? FormattableString.Invariant($"{r.Ratio:0.00}x ({r.Ratio / r.Limit:0.00})") : "-");
                    Console.WriteLine(FormattableString.Invariant($"| {group.Key.Device} | {group.Key.DType} | {group.Key.Subject} | {group.First().PlainMs:0.000} | ") + string.Join(" | ", cells) + " |");
                }
            }

            Console.WriteLine();
        }

        return 0;
    }


    private static double ParseMs(string text)
    {
        var cleaned = new string(text.Where(c => char.IsDigit(c) || c is '.' or '-' or 'E' or 'e').ToArray());
        return double.Parse(cleaned, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static string[] SplitCsv(string line)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString());
        return fields.ToArray();
    }
}
