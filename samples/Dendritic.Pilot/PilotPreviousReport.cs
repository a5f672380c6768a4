using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Dendritic.Pilot;

/// <summary>
/// A run into an --output folder that already holds a pilot report keeps that report: its files move into
/// <c>previous/</c> inside the folder (replacing an older <c>previous/</c>), so that the new report does not mix with
/// the old one's leftovers (a quantization report, ONNX files, a merge's sources.json) and the last one is not lost.
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
    /// <exception cref="IOException">A file could not be moved.</exception>
    public static string? MoveAside(string output)
    {
        if (!File.Exists(Path.Combine(output, "report.json")))
        {
            return null;
        }

        var previous = Path.Combine(output, FolderName);
        if (Directory.Exists(previous))
        {
            Directory.Delete(previous, recursive: true);
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

        return $"The report already in '{output}' was moved to '{previous}' ({moved.Count} entries; an older '{FolderName}' was replaced).";
    }
}
