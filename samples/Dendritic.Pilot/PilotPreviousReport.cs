using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Dendritic.Pilot;

/// <summary>
/// A run into an --output folder that already holds a pilot report keeps that report: its files move into
/// <c>previous/</c> inside the folder, so that the new report does not mix with the old one's leftovers (a quantization
/// report, ONNX files, a merge's sources.json) and the last one is not lost. Nothing is deleted: an older
/// <c>previous/</c> is first renamed, whole, to <c>previous-N/</c> (N one more than the largest such number there, from
/// 2), with whatever the user put in it. It used to be deleted with everything inside, the user's own files included.
/// The user's other files in the folder stay where they are.
/// </summary>
public static class PilotPreviousReport
{
    /// <summary>The folder inside --output that receives the previous report.</summary>
    public const string FolderName = "previous";

    private static readonly string[] Files =
    {
        "report.json", "runs.csv", "summary.csv", "curves.csv", "activations.csv", "summary.md", "config.json", "sources.json",
        "quantization.csv", "quantization.md", "metric-vs-parameters.png", "metric-vs-flops.png", "training-curves.png",
    };

    private static readonly string[] Folders = { "onnx" };

    /// <summary>Moves a previous report out of the way; returns what was done, or null when there was none.</summary>
    /// <param name="output">The --output folder (it exists and is writable).</param>
    /// <exception cref="IOException">A file could not be moved, or <c>previous</c> is a file (the message says what to do).</exception>
    public static string? MoveAside(string output)
    {
        if (!File.Exists(Path.Combine(output, "report.json")))
        {
            return null;
        }

        var previous = Path.Combine(output, FolderName);
        string? older = null;
        if (IsLink(previous) || Directory.Exists(previous))
        {
            // Renamed, not deleted: a symlink moves as the link (its target is not touched), a folder with its contents.
            older = Path.Combine(output, string.Create(CultureInfo.InvariantCulture, $"{FolderName}-{NextNumber(output)}"));
            Directory.Move(previous, older);
        }
        else if (File.Exists(previous))
        {
            // A user's file of that name is theirs: neither replaced nor renamed.
            throw new IOException($"'{previous}' is a file, where the pilot keeps the previous report in a folder; rename or move it");
        }

        Directory.CreateDirectory(previous);
        var moved = new List<string>();
        foreach (var name in Files.Where(f => File.Exists(Path.Combine(output, f))))
        {
            File.Move(Path.Combine(output, name), Path.Combine(previous, name));
            moved.Add(name);
        }

        foreach (var name in Folders.Where(f => Directory.Exists(Path.Combine(output, f))))
        {
            Directory.Move(Path.Combine(output, name), Path.Combine(previous, name));
            moved.Add(name + "/");
        }

        var kept = older is null ? string.Empty : $"; the older '{FolderName}' is now '{Path.GetFileName(older)}'";
        return $"The report already in '{output}' was moved to '{previous}' ({moved.Count} entries{kept}).";
    }

    // One more than the largest N of the previous-N entries in the folder (files and links count: their names are
    // taken), from 2; so the numbers say the order in which the reports were set aside. A number past int's range is
    // not counted (the sum cannot overflow); if its name is the one chosen, the move fails and nothing is lost.
    private static long NextNumber(string output)
    {
        var prefix = FolderName + "-";
        var largest = Directory.EnumerateFileSystemEntries(output, prefix + "*")
            .Select(path => Path.GetFileName(path)[prefix.Length..])
            .Select(suffix => long.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= int.MaxValue ? n : 0)
            .DefaultIfEmpty(0)
            .Max();
        return Math.Max(largest, 1) + 1;
    }

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;
}
