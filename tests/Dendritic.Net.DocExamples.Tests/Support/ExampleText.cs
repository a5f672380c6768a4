using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace DocExamples;

/// <summary>The text rules both sides of the comparison share.</summary>
internal static partial class ExampleText
{
    /// <summary>
    /// Trailing whitespace off every line, leading and trailing blank lines off the text, and the indentation common to
    /// its non-blank lines off each line. <paramref name="skipped"/> is the number of leading lines dropped.
    /// </summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string> lines, out int skipped)
    {
        var trimmed = lines.Select(l => l.TrimEnd()).ToList();
        skipped = trimmed.TakeWhile(l => l.Length == 0).Count();
        var end = trimmed.Count;
        while (end > skipped && trimmed[end - 1].Length == 0)
        {
            end--;
        }

        var kept = trimmed.GetRange(skipped, end - skipped);
        var indent = kept.Where(l => l.Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return kept.Select(l => l.Length == 0 ? l : l[indent..]).ToList();
    }

    /// <summary>A using directive (<c>using X;</c>, <c>using static X;</c>, <c>using A = X;</c>), not a using statement or declaration.</summary>
    public static bool IsUsingDirective(string line) => UsingDirective().IsMatch(line.Trim());

    /// <summary>A using directive with its whitespace collapsed, for comparing sets of them.</summary>
    public static string Canonical(string usingDirective) => Whitespace().Replace(usingDirective.Trim(), " ");

    [GeneratedRegex(@"^using\s+(?:static\s+)?(?:[A-Za-z_]\w*\s*=\s*)?[A-Za-z_][\w.]*(?:<[\w.<>, ]*>)?\s*;$")]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>A line of code for a failure message: indented, and marked when there is none.</summary>
    public static string Quote(string? line) => line is null ? "    (no line: the text ends here)" : "    " + line;
}
