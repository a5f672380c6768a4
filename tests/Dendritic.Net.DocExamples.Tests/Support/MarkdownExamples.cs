using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace DocExamples;

/// <summary>
/// A ```csharp (```cs, ```c#) block of a Markdown file. <see cref="Usings"/>: the using directives it starts with;
/// <see cref="Code"/>: the rest, normalized (<see cref="ExampleText.Normalize"/>), whose first line is line
/// <see cref="CodeLine"/> of <see cref="File"/>; <see cref="FenceLine"/>: the line of its opening fence.
/// </summary>
internal sealed record MarkdownExample(string File, int FenceLine, IReadOnlyList<string> Usings, IReadOnlyList<string> Code, int CodeLine)
{
    public string Where => $"{File}:{FenceLine}";
}

/// <summary>Reads the C# blocks of the repository's Markdown files.</summary>
internal static partial class MarkdownExamples
{
    /// <summary>The Markdown files checked: README.md, docs/*.md, src/*/README.md, samples/*/README.md (paths relative to the root, with '/').</summary>
    public static IReadOnlyList<string> Files(string root)
    {
        var files = new List<string> { Path.Combine(root, "README.md") };
        files.AddRange(Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal));
        foreach (var folder in new[] { "src", "samples" })
        {
            files.AddRange(Directory.GetDirectories(Path.Combine(root, folder)).Order(StringComparer.Ordinal)
                .Select(d => Path.Combine(d, "README.md")).Where(File.Exists));
        }

        return files.Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).ToList();
    }

    public static IEnumerable<MarkdownExample> Read(string root, string file)
    {
        var lines = File.ReadAllText(Path.Combine(root, file)).ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var open = Fence().Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }

            // The block runs to a fence of the same character, at least as long, with nothing after it (CommonMark).
            var marker = open.Groups["fence"].Value;
            var close = i + 1;
            while (close < lines.Length && !IsClosing(lines[close], marker))
            {
                close++;
            }

            if (IsCSharp(open.Groups["info"].Value))
            {
                yield return Example(file, i + 1, lines[(i + 1)..close]);
            }

            i = close;
        }
    }

    private static MarkdownExample Example(string file, int fenceLine, string[] body)
    {
        // The leading using directives (and the blank lines among and after them) are the example's usings.
        var usings = new List<string>();
        var first = 0;
        while (first < body.Length && (body[first].Trim().Length == 0 || ExampleText.IsUsingDirective(body[first])))
        {
            if (body[first].Trim().Length > 0)
            {
                usings.Add(ExampleText.Canonical(body[first]));
            }

            first++;
        }

        if (usings.Count == 0)
        {
            first = 0;
        }

        var code = ExampleText.Normalize(body[first..], out var skipped);
        return new MarkdownExample(file, fenceLine, usings, code, fenceLine + 1 + first + skipped);
    }

    private static bool IsCSharp(string info) =>
        info.Equals("csharp", StringComparison.OrdinalIgnoreCase) || info.Equals("cs", StringComparison.OrdinalIgnoreCase)
        || info.Equals("c#", StringComparison.OrdinalIgnoreCase);

    private static bool IsClosing(string line, string marker)
    {
        var trimmed = line.Trim();
        return trimmed.Length >= marker.Length && trimmed.All(c => c == marker[0]);
    }

    [GeneratedRegex(@"^\s*(?<fence>`{3,}|~{3,})\s*(?<info>[^`\s]*)[^`]*$")]
    private static partial Regex Fence();
}
