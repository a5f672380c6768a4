using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dendritic.FromPerforatedAI;

/// <summary>
/// The original's figures for one seed (test accuracies in percent), as perforatedai 3.0.5 running pai_pilot.py wrote
/// them: one JSON file per run, a row per seed, kept in <c>samples/Dendritic.Pilot/parity/original-*/</c> and copied
/// beside this program under <c>original/</c>.
/// </summary>
/// <param name="Source">The file the row came from, as a path in the repository.</param>
/// <param name="Baseline">The baseline's test accuracy.</param>
/// <param name="Dendritic">The dendritic arm's test accuracy at its best validation epoch.</param>
/// <param name="DendriticEpochs">The dendritic arm's epochs, which the two controls trained for too.</param>
/// <param name="DendriticSets">Dendrite sets the original kept (<c>num_dendrites_added</c>), null where it wrote none.</param>
/// <param name="CapacityMatched">The capacity-matched control's test accuracy.</param>
/// <param name="TrainAsLong">The train-as-long control's test accuracy.</param>
internal sealed record OriginalSeed(
    string Source,
    double Baseline,
    double Dendritic,
    int DendriticEpochs,
    int? DendriticSets,
    double CapacityMatched,
    double TrainAsLong)
{
    private const string RepositoryFolder = "samples/Dendritic.Pilot/parity";

    /// <summary>
    /// Every seed's row from the files under <paramref name="folder"/> whose run had this sample's settings (patience 3,
    /// 2 dendrites, 45 epochs at most); the first file in path order wins if two hold the same seed. Empty if the folder
    /// is missing.
    /// </summary>
    public static IReadOnlyDictionary<int, OriginalSeed> ReadAll(string folder)
    {
        var bySeed = new Dictionary<int, OriginalSeed>();
        if (!Directory.Exists(folder))
        {
            return bySeed;
        }

        foreach (var path in Directory.GetFiles(folder, "pai_pilot_p3_d2_*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            // Python's json writes NaN (the intervals of a one-seed run), which JSON has no literal for.
            using var document = JsonDocument.Parse(Regex.Replace(File.ReadAllText(path), @"\bNaN\b", "null"));
            var config = document.RootElement.GetProperty("summary").GetProperty("config");
            if (config.GetProperty("patience").GetInt32() != PaiPilot.Patience
                || config.GetProperty("max_dendrites").GetInt32() != PaiPilot.MaxDendrites
                || config.GetProperty("max_epochs").GetInt32() != PaiPilot.MaxEpochs)
            {
                continue;
            }

            var source = RepositoryFolder + "/" + Path.GetRelativePath(folder, path).Replace('\\', '/');
            foreach (var row in document.RootElement.GetProperty("rows").EnumerateArray())
            {
                var pai = row.GetProperty("pai");
                var sets = pai.GetProperty("dendrites");
                bySeed.TryAdd(row.GetProperty("seed").GetInt32(), new OriginalSeed(
                    source,
                    Test(row, "baseline"),
                    pai.GetProperty("test").GetDouble(),
                    pai.GetProperty("epochs").GetInt32(),
                    sets.ValueKind == JsonValueKind.Number ? sets.GetInt32() : null,
                    Test(row, "capacity_matched"),
                    Test(row, "train_as_long")));
            }
        }

        return bySeed;
    }

    private static double Test(JsonElement row, string arm) => row.GetProperty(arm).GetProperty("test").GetDouble();
}
