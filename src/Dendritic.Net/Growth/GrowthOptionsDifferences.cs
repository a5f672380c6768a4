using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Dendritic;

/// <summary>
/// Which settings two <see cref="GrowthOptions"/> disagree on, for resuming a run with the options it was saved with.
/// The delegate (<see cref="GrowthOptions.CandidateLosses"/>) is not a setting of the run and is not compared; lists
/// are compared by their elements.
/// </summary>
internal static class GrowthOptionsDifferences
{
    private static readonly PropertyInfo[] Settings = typeof(GrowthOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
        .ToArray();

    /// <summary>Each differing setting as "Name (saved X, given Y)"; empty when they agree.</summary>
    public static IReadOnlyList<string> Between(GrowthOptions saved, GrowthOptions given) =>
        Settings
            .Select(p => (p.Name, Saved: p.GetValue(saved), Given: p.GetValue(given)))
            .Where(v => !Same(v.Saved, v.Given))
            .Select(v => $"{v.Name} (saved {Show(v.Saved)}, given {Show(v.Given)})")
            .ToList();

    private static bool Same(object? a, object? b) =>
        a is IEnumerable x && b is IEnumerable y && a is not string
            ? x.Cast<object?>().SequenceEqual(y.Cast<object?>())
            : Equals(a, b);

    private static string Show(object? value) => value switch
    {
        null => "null",
        IEnumerable list and not string => "[" + string.Join(", ", list.Cast<object?>().Select(Show)) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        // A saved string (a folder's path) comes from the checkpoint's file.
        _ => UntrustedText.Name(value.ToString() ?? "null"),
    };
}
