using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace DocExamples;

/// <summary>
/// A region of this project's sources between <c>// doc-example: &lt;Markdown file&gt;</c> and <c>// end doc-example</c>.
/// <see cref="Code"/>: its lines, normalized (<see cref="ExampleText.Normalize"/>), whose first line is line
/// <see cref="CodeLine"/> of <see cref="File"/>; <see cref="FileUsings"/>: the using directives at the top of its file.
/// </summary>
internal sealed record CopiedExample(string File, int MarkerLine, string Source, IReadOnlyList<string> FileUsings, IReadOnlyList<string> Code, int CodeLine)
{
    public string Where => $"{File}:{MarkerLine}";
}

/// <summary>Reads the marked copies of this project's .cs files; a malformed marker is a problem, not a skipped region.</summary>
internal static partial class CopiedExamples
{
    public const string StartMarker = "// doc-example: ";
    public const string EndMarker = "// end doc-example";

    /// <summary>The copies in the .cs files under <paramref name="project"/> (bin and obj left out); paths relative to <paramref name="root"/>.</summary>
    public static IReadOnlyList<CopiedExample> Read(string root, string project, List<string> problems)
    {
        var copies = new List<CopiedExample>();
        var sources = Directory.GetFiles(project, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(project, f).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal);
        foreach (var path in sources)
        {
            var file = Path.GetRelativePath(root, path).Replace('\\', '/');
            var lines = File.ReadAllText(path).ReplaceLineEndings("\n").Split('\n');
            var usings = lines.TakeWhile(l => l.Trim().Length == 0 || l.TrimStart().StartsWith("//", StringComparison.Ordinal) || ExampleText.IsUsingDirective(l))
                .Where(ExampleText.IsUsingDirective).Select(ExampleText.Canonical).ToList();
            (int Line, string Source)? open = null;
            for (var i = 0; i < lines.Length; i++)
            {
                var trimmed = lines[i].Trim();
                var start = Start().Match(trimmed);
                if (start.Success && open is null)
                {
                    open = (i + 1, start.Groups["source"].Value);
                }
                else if (trimmed == EndMarker && open is { } region)
                {
                    var code = ExampleText.Normalize(lines[region.Line..i], out var skipped);
                    copies.Add(new CopiedExample(file, region.Line, region.Source, usings, code, region.Line + 1 + skipped));
                    open = null;
                }
                else if (trimmed.StartsWith("// doc-example", StringComparison.Ordinal) || trimmed.StartsWith(EndMarker, StringComparison.Ordinal))
                {
                    var why = start.Success ? "a second start marker inside the region opened at line " + open!.Value.Line
                        : trimmed == EndMarker ? "an end marker with no start marker before it"
                        : $"a malformed marker: write \"{StartMarker}<Markdown file>\" or \"{EndMarker}\", alone on the line";
                    problems.Add($"{file}:{i + 1}: {why}.");
                }
            }

            if (open is { } unclosed)
            {
                problems.Add($"{file}:{unclosed.Line}: the region \"{StartMarker}{unclosed.Source}\" has no \"{EndMarker}\" after it.");
            }
        }

        return copies;
    }

    [GeneratedRegex(@"^// doc-example: (?<source>\S+)$")]
    private static partial Regex Start();
}
