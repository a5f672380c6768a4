using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Dendritic.FromPerforatedAI;

/// <summary>The per-seed table: each arm's figures, and the original's for the same seed beside them.</summary>
internal static class ResultsTable
{
    private const string None = "—";

    /// <summary>Writes the table as Markdown, then where the original's figures came from.</summary>
    public static void Write(IReadOnlyList<SeedRow> rows, TextWriter output)
    {
        output.WriteLine("Test accuracy (%) at the best validation epoch, as pai_pilot.py reports it; \"original\": perforatedai 3.0.5 on the same seed.");
        output.WriteLine();
        output.WriteLine("| seed | arm | parameters | epochs | sets | test | original: test | original: epochs | original: sets |");
        output.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var original = row.Original;
            var (baseline, dendritic, capacity, trainAsLong) = (row.Baseline, row.Dendritic, row.CapacityMatched, row.TrainAsLong);
            Line(output, row.Seed, "baseline", baseline.Parameters, baseline.Epochs, None, baseline.Test,
                original?.Baseline, original is null ? None : $"{PaiPilot.BaselineEpochs}", None);
            Line(output, row.Seed, "dendritic", dendritic.Parameters, dendritic.Epochs, $"{dendritic.Sets}", dendritic.Test,
                original?.Dendritic, original is null ? None : $"{original.DendriticEpochs}", original?.DendriticSets?.ToString() ?? None);
            Line(output, row.Seed, $"capacity-matched, width {capacity.Width}", capacity.Parameters, capacity.Epochs, None, capacity.Test,
                original?.CapacityMatched, original is null ? None : $"{original.DendriticEpochs}", None);
            Line(output, row.Seed, "train-as-long", trainAsLong.Parameters, trainAsLong.Epochs, None, trainAsLong.Test,
                original?.TrainAsLong, original is null ? None : $"{original.DendriticEpochs}", None);
        }

        output.WriteLine();
        var withOriginal = rows.Where(r => r.Original is not null).ToList();
        if (withOriginal.Count == 0)
        {
            output.WriteLine("No results file of the original in the repository (samples/Dendritic.Pilot/parity/original-*/) has these seeds.");
            return;
        }

        foreach (var source in withOriginal.Select(r => r.Original!.Source).Distinct())
        {
            output.WriteLine($"original: {source}");
        }

        // The baseline trains on the same data, seeds and order with no dendrites: the port's check on itself.
        var sameBaseline = withOriginal.Count(r => $"{r.Baseline.Test:F2}" == $"{r.Original!.Baseline:F2}");
        output.WriteLine($"baseline equal to the original's (to two decimals) on {sameBaseline} of {withOriginal.Count} seed(s) with its figures");
    }

    private static void Line(TextWriter output, int seed, string arm, long parameters, int epochs, string sets, double test,
        double? originalTest, string originalEpochs, string originalSets) =>
        output.WriteLine($"| {seed} | {arm} | {parameters:N0} | {epochs} | {sets} | {test:F2} | {(originalTest is { } o ? $"{o:F2}" : None)} | {originalEpochs} | {originalSets} |");
}
