using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace DocExamples;

/// <summary>
/// The C# examples of README.md, docs/*.md, src/*/README.md and samples/*/README.md are compiled: each is copied,
/// verbatim, into a .cs file of this project between <c>// doc-example: &lt;Markdown file&gt;</c> and
/// <c>// end doc-example</c>, inside a method or class that supplies its free names (parameters, fields, stub types,
/// <see cref="DocExample"/>'s helpers). The copies are ordinary code, so an API change that breaks an example breaks the
/// build; nothing of them runs. This test keeps the copies and the Markdown the same text:
/// <list type="bullet">
/// <item>every ```csharp (```cs, ```c#) block has a copy that names its Markdown file and equals it, and every copy
/// equals a block of the file it names (a stale copy fails). Matched by content, not by position: inserting a block
/// moves nothing. Equal means line for line, after removing trailing whitespace, leading and trailing blank lines and
/// the indentation common to the lines (of the copy, and of the block);</item>
/// <item>a block that starts with using directives (a program of its own) is compared without them, and then the
/// file of its copy must have exactly those using directives at its top, no more (the set, in any order): that is
/// how the example's own usings are compiled, and why such examples sit in files of their own (the Markdown's other
/// examples may share the file if they compile with those usings). Implicit usings are off in the repository, and the
/// examples' namespaces are not under <c>Dendritic</c>, so no name resolves without its using;</item>
/// <item>a block that cannot compile as written (an elision <c>...</c>, two moments that declare the same local)
/// is made compilable in the Markdown: a stubbed call for the elided value, or two blocks with a sentence between.</item>
/// </list>
/// </summary>
[TestFixture]
public sealed class DocExamplesTests
{
    private const string Project = "tests/Dendritic.Net.DocExamples.Tests";

    [Test]
    public void EveryMarkdownExample_HasAVerbatimCompiledCopy()
    {
        var root = RepositoryRoot.Find();
        var problems = new List<string>();
        var examples = MarkdownExamples.Files(root).SelectMany(f => MarkdownExamples.Read(root, f)).ToList();
        var copies = CopiedExamples.Read(root, Path.Combine(root, Project), problems);
        var files = examples.Select(e => e.File).ToHashSet(StringComparer.Ordinal);

        examples.Should().NotBeEmpty("the Markdown files have C# examples");
        copies.Should().NotBeEmpty("this project holds their copies");

        var copied = new HashSet<MarkdownExample>();
        var stale = new List<CopiedExample>();
        foreach (var copy in copies)
        {
            var matches = examples.Where(e => e.File == copy.Source && e.Code.SequenceEqual(copy.Code, StringComparer.Ordinal)).ToList();
            if (matches.Count == 0)
            {
                stale.Add(copy);
            }

            foreach (var example in matches)
            {
                copied.Add(example);
                if (example.Usings.Count > 0 && !example.Usings.ToHashSet(StringComparer.Ordinal).SetEquals(copy.FileUsings))
                {
                    problems.Add($"{example.Where}: the example lists its using directives, and the file of its copy ({copy.Where}) must have exactly those at its top.\n"
                        + $"  the example's: {string.Join(" ", example.Usings)}\n  the file's:    {string.Join(" ", copy.FileUsings)}\n"
                        + $"  Fix: give {copy.File} exactly the example's using directives (if its other code needs more, move the copy to a file of its own; stubs outside the example can use full names).");
                }
            }
        }

        var uncopied = examples.Where(e => !copied.Contains(e)).ToList();
        problems.AddRange(stale.Select(copy => files.Contains(copy.Source)
            ? Stale(copy, uncopied.Concat(examples))
            : $"{copy.Where}: the copy names {copy.Source}, which is not a Markdown file with C# examples (README.md, docs/*.md, src/*/README.md, samples/*/README.md)."));
        problems.AddRange(uncopied.Select(e => Missing(e, copies)));
        if (problems.Count > 0)
        {
            Assert.Fail($"The docs' C# examples and their compiled copies in {Project} differ ({problems.Count}):\n\n" + string.Join("\n\n", problems));
        }
    }

    private static string Missing(MarkdownExample example, IReadOnlyList<CopiedExample> copies)
    {
        var others = copies.Where(c => c.Source == example.File).Select(c => c.File[(Project.Length + 1)..]).Distinct().ToList();
        var where = others.Count > 0 ? $"a file of {Project} ({example.File}'s other copies are in {string.Join(", ", others)})" : $"a file of {Project}";
        var usings = example.Usings.Count > 0 ? " It starts with using directives: its file must have exactly those." : "";
        return $"{example.Where}: this C# example has no verbatim copy.\n"
            + $"  Fix: copy the example into {where} between \"{CopiedExamples.StartMarker}{example.File}\" and \"{CopiedExamples.EndMarker}\", "
            + $"with stubs for its free names.{usings}";
    }

    /// <summary>The stale copy, and the first difference from the example most like it (<paramref name="examples"/>: the uncopied ones first).</summary>
    private static string Stale(CopiedExample copy, IEnumerable<MarkdownExample> examples)
    {
        var message = $"{copy.Where}: the copy marked \"{CopiedExamples.StartMarker}{copy.Source}\" equals no C# example of {copy.Source} (a stale copy).";
        var closest = examples.Where(e => e.File == copy.Source)
            .Select(e => (Example: e, Shared: copy.Code.Count(l => l.Length > 0 && e.Code.Contains(l))))
            .Where(c => c.Shared > 0).OrderByDescending(c => c.Shared).Select(c => c.Example).FirstOrDefault();
        if (closest is not null)
        {
            var i = 0;
            while (i < closest.Code.Count && i < copy.Code.Count && closest.Code[i] == copy.Code[i])
            {
                i++;
            }

            message += $"\n  Closest: the example at {closest.Where}; first difference:\n"
                + $"  {copy.Source}:{closest.CodeLine + i}\n{ExampleText.Quote(closest.Code.ElementAtOrDefault(i))}\n"
                + $"  {copy.File}:{copy.CodeLine + i}\n{ExampleText.Quote(copy.Code.ElementAtOrDefault(i))}";
        }

        return message + "\n  Fix: copy the example again from the Markdown between the markers (adjusting its stubs), or delete the copy if the example is gone.";
    }
}
