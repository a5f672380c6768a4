using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Dendritic;

/// <summary>
/// The one way the cost report (<see cref="ModelCostReport"/>) and the pruning reports (<see cref="PruningReport"/>,
/// <see cref="LayerPruningReport"/>) add up FLOP figures that may be unknown and write them as text, so that one state
/// reads the same in the table, in ToString and in the log.
/// </summary>
internal static class FlopFigures
{
    /// <summary>The words for FLOPs per sample that no check pass measured the output positions for.</summary>
    public const string NoCheckPass = "unknown (no check pass)";

    /// <summary>The words for the FLOPs of a module host and its dendrites, which <see cref="FlopCounter"/> does not model.</summary>
    public const string ModuleHost = "unknown (module host)";

    /// <summary>The sum, or null (unknown) when any value is: a total is not reported for a part of it.</summary>
    /// <param name="values">The figures.</param>
    /// <returns>The sum; 0 for none.</returns>
    public static long? Sum(IEnumerable<long?> values)
    {
        long sum = 0;
        foreach (var value in values)
        {
            if (value is null)
            {
                return null;
            }

            sum += value.Value;
        }

        return sum;
    }

    /// <summary>A figure as text: the number, or the words that say why it is unknown.</summary>
    /// <param name="value">The figure; null when unknown.</param>
    /// <param name="counted">Whether the layer's FLOPs are modelled: false for a module host (<see cref="FlopCounter.Counts"/>).</param>
    /// <param name="grouped">True to group thousands ("15,578", for tables), false for the plain number (for logs).</param>
    /// <returns>The text.</returns>
    public static string Text(long? value, bool counted, bool grouped) =>
        value?.ToString(grouped ? "N0" : "D", CultureInfo.InvariantCulture) ?? (counted ? NoCheckPass : ModuleHost);

    /// <summary>Layer names quoted and listed: "'fc1', 'fc2'".</summary>
    /// <param name="names">The names.</param>
    /// <returns>The list.</returns>
    public static string Quoted(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));

    /// <summary>"s" for a count other than 1, for "module host" and "module hosts".</summary>
    /// <param name="count">The count.</param>
    /// <returns>The plural ending.</returns>
    public static string Plural(int count) => count == 1 ? string.Empty : "s";
}
