using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Docs;

/// <summary>Every package carries its own README, readable on nuget.org: no links that only resolve inside the repository.</summary>
[TestFixture]
public sealed class PackageReadmeTests
{
    [Test]
    public void EveryPackableProject_PacksItsOwnPackageRelativeReadme()
    {
        var root = RepositoryRoot.Find();
        var projects = Directory.GetFiles(Path.Combine(root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => File.ReadAllText(p).Contains("<IsPackable>true</IsPackable>", StringComparison.Ordinal))
            .ToList();

        projects.Should().HaveCountGreaterThanOrEqualTo(4);
        foreach (var project in projects)
        {
            var text = File.ReadAllText(project);
            text.Should().Contain("<PackageReadmeFile>README.md</PackageReadmeFile>", project);
            text.Should().Contain("<None Include=\"README.md\" Pack=\"true\" PackagePath=\"/\" />", project);
            var readme = File.ReadAllText(Path.Combine(Path.GetDirectoryName(project)!, "README.md"));
            Regex.Matches(readme, @"\]\((?!https?://)([^)]*)\)").Select(m => m.Groups[1].Value).Should().BeEmpty($"{project}'s README is shown outside the repository");
        }
    }

    [Test]
    public void QuickStart_PackageReadme_MatchesRepositoryReadme()
    {
        // ReadmeQuickStartTests runs the repository README's quick start; the package README's copy must not drift from it.
        var root = RepositoryRoot.Find();
        var repository = FirstCSharpBlock(Path.Combine(root, "README.md"));
        var package = FirstCSharpBlock(Path.Combine(root, "src", "Dendritic.Net", "README.md"));

        package.Should().Be(repository);
    }

    private static string FirstCSharpBlock(string path)
    {
        var match = Regex.Match(File.ReadAllText(path).ReplaceLineEndings("\n"), "```csharp\n(.*?)```", RegexOptions.Singleline);
        match.Success.Should().BeTrue($"{path} has a C# block");
        return match.Groups[1].Value;
    }
}
