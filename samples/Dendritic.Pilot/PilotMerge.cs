using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dendritic.Experiments;
using Dendritic.Reporting;
using Spectre.Console;

namespace Dendritic.Pilot;

/// <summary>
/// <c>merge FOLDER FOLDER... --output OUT</c>: one report from pilot runs of the same configuration on disjoint seeds
/// (<see cref="ReportMerger"/>), e.g. several processes sharing a GPU, or several machines. Each part's report.json is
/// read (bounded), the parts' config.json must agree on every setting but seeds and file locations, the merged report,
/// tables and charts go to OUT (which must not hold a report yet), and <c>sources.json</c> names every part's folder
/// (relative to OUT), seeds and config.json SHA-256, so that each part can be rerun from its own config (docs/pilot.md).
/// </summary>
internal static class PilotMerge
{
    /// <summary>The first argument that selects this mode.</summary>
    public const string Verb = "merge";

    /// <summary>The largest report.json read, bytes (64 MiB; the pilot's are tens of kilobytes).</summary>
    public const long MaxReportBytes = 64L << 20;

    /// <summary>Merges the reports named in <paramref name="args"/> (after the verb).</summary>
    /// <param name="args">Folders, and <c>--output</c>/<c>-o</c> OUT.</param>
    /// <returns>An <see cref="ExitCodes"/> value: 2 for bad arguments, 3 for unreadable or unmergeable reports.</returns>
    public static int Run(IReadOnlyList<string> args)
    {
        var folders = new List<string>();
        string? output = null;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is "--help" or "-h" or "-?")
            {
                Console.WriteLine("merge FOLDER FOLDER... --output OUT: joins the reports of runs of one configuration on disjoint seeds (each folder as a run wrote it, with report.json and config.json) into one report in OUT, a new or empty folder. docs/pilot.md, \"Options\".");
                return ExitCodes.Success;
            }

            if (args[i] is "--output" or "-o")
            {
                if (i + 1 >= args.Count || output is not null)
                {
                    return BadOptions("merge: --output takes one folder, once.");
                }

                output = args[++i];
            }
            else if (args[i].StartsWith('-'))
            {
                return BadOptions($"merge: unknown option '{args[i]}'. Usage: merge FOLDER FOLDER... --output OUT");
            }
            else
            {
                folders.Add(args[i]);
            }
        }

        if (folders.Count == 0 || output is null)
        {
            return BadOptions("merge: give the report folders and --output OUT. Usage: merge FOLDER FOLDER... --output OUT");
        }

        if (folders.Count == 1)
        {
            // One report merged with nothing is a copy labelled "merged"; a second folder was most likely forgotten.
            return BadOptions($"merge: give at least two report folders (only '{folders[0]}' was given). Usage: merge FOLDER FOLDER... --output OUT");
        }

        var outputFull = Path.GetFullPath(output);
        if (folders.Any(f => string.Equals(Path.GetFullPath(f).TrimEnd(Path.DirectorySeparatorChar), outputFull.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal)))
        {
            return BadOptions("merge: --output must not be one of the report folders (its report would be overwritten).");
        }

        if (File.Exists(Path.Combine(output, "report.json")))
        {
            return BadOptions($"merge: '{output}' already holds a report; give an empty or new --output folder.");
        }

        var reports = new List<ExperimentReport>();
        foreach (var folder in folders)
        {
            var (report, error) = Read(Path.Combine(folder, "report.json"));
            if (report is null)
            {
                ConsoleText.Error(error);
                return ExitCodes.BadInput;
            }

            reports.Add(report);
        }

        if (CompareConfigs(folders) is { } configProblem)
        {
            ConsoleText.Error(configProblem);
            return ExitCodes.BadInput;
        }

        ExperimentReport merged;
        try
        {
            merged = ReportMerger.Merge(reports);
        }
        catch (ReportMergeException ex)
        {
            // The merger numbers the reports in the order given; the user knows them by their files.
            var named = string.Join(", ", folders.Select((f, i) => string.Create(CultureInfo.InvariantCulture, $"{i + 1} is '{Path.Combine(f, "report.json")}'")));
            ConsoleText.Error($"merge: {ex.Message} Reports by number: {named}.");
            return ExitCodes.BadInput;
        }

        // Checked before the table is printed: an --output that is a file, or not writable, failed only after the
        // whole table, with IOException's bare message and the data-error exit code.
        if (PilotData.CheckOutput(output) is { } outputError)
        {
            return BadOptions("merge: " + outputError);
        }

        // The run's table is printed 180 columns wide when redirected; merge's was wrapped at Spectre's 80.
        ConsoleText.WidenWhenRedirected(AnsiConsole.Console, Console.IsOutputRedirected);
        ConsoleTable.Print(merged);
        var files = ReportWriter.WriteAll(merged, output).ToList();
        var sources = Path.Combine(output, "sources.json");
        PilotFiles.WriteAtomically(sources, SourcesJson(folders, reports, output));
        files.Add(sources);
        try
        {
            files.AddRange(ExperimentCharts.WriteAll(merged, output));
        }
        catch (Exception ex) when (ex is TypeInitializationException or DllNotFoundException or IOException)
        {
            AnsiConsole.MarkupLine($"[yellow]Charts not drawn ({ConsoleText.Markup(ex.GetType().Name)}: {ConsoleText.Markup(ex.Message)}); the data files are complete.[/]");
        }

        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"Merged {reports.Count} reports, seeds {string.Join(", ", merged.Seeds)}. Report: [link]{ConsoleText.Markup(outputFull)}[/] ({string.Join(", ", files.Select(Path.GetFileName))})"));
        return ExitCodes.Success;
    }

    private static (ExperimentReport? Report, string Error) Read(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return (null, $"merge: '{path}' does not exist; each folder must hold a pilot report (report.json).");
            }

            if (PilotFiles.Read(path, MaxReportBytes) is not { } bytes)
            {
                return (null, $"merge: '{path}' is larger than {MaxReportBytes:N0} bytes, the most a report may be.");
            }

            var report = ReportWriter.FromJson(Encoding.UTF8.GetString(bytes));
            return (report, string.Empty);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return (null, $"merge: '{path}' is not a readable pilot report: {ex.Message}");
        }
    }

    // The parts' settings other than seeds and where files live must agree (the report does not record the model).
    private static string? CompareConfigs(IReadOnlyList<string> folders)
    {
        var ignored = new[] { nameof(PilotOptions.Seeds), nameof(PilotOptions.FirstSeed), nameof(PilotOptions.OutputFolder), nameof(PilotOptions.DataFolder), nameof(PilotOptions.Threads) };
        PilotConfig? first = null;
        for (var i = 0; i < folders.Count; i++)
        {
            var path = Path.Combine(folders[i], "config.json");
            if (File.Exists(Path.Combine(folders[i], "sources.json")))
            {
                return $"merge: '{folders[i]}' is itself a merged report; merge the runs it was made from (listed in its sources.json) instead.";
            }

            var (config, error) = PilotConfigFile.Read(path);
            if (config is null)
            {
                return $"merge: each part needs the config.json its run wrote: {error}";
            }

            if (first is null)
            {
                first = config;
                continue;
            }

            var differing = typeof(PilotOptions).GetProperties().Where(p => p.SetMethod is not null && !ignored.Contains(p.Name))
                .Where(p => !Equals(p.GetValue(first.Options), p.GetValue(config.Options))).Select(p => p.Name).ToList();
            if (!first.Data.SequenceEqual(config.Data))
            {
                differing.Add("Data");
            }

            if (differing.Count > 0)
            {
                return $"merge: '{folders[i]}' ran another configuration than '{folders[0]}' ({string.Join(", ", differing)} differ); merge only parts of one configuration.";
            }
        }

        return null;
    }

    private static string SourcesJson(IReadOnlyList<string> folders, IReadOnlyList<ExperimentReport> reports, string output)
    {
        var parts = folders.Select((folder, i) =>
        {
            // The config was read and checked above; read bounded again, in case it was replaced since.
            var config = Path.Combine(folder, "config.json");
            var bytes = PilotFiles.Read(config, PilotConfigFile.MaxBytes) ?? throw new IOException($"merge: '{config}' grew past {PilotConfigFile.MaxBytes:N0} bytes while the parts were merged.");
            return new Dictionary<string, object?>
            {
                ["Folder"] = Path.GetRelativePath(Path.GetFullPath(output), Path.GetFullPath(folder)),
                ["Seeds"] = reports[i].Seeds,
                ["FinishedUtc"] = reports[i].FinishedUtc,
                ["ConfigSha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            };
        });
        return JsonSerializer.Serialize(new { Format = "dendritic-pilot-merge/1", Parts = parts }, new JsonSerializerOptions { WriteIndented = true });
    }

    private static int BadOptions(string message)
    {
        ConsoleText.Error(message);
        return ExitCodes.BadOptions;
    }
}
