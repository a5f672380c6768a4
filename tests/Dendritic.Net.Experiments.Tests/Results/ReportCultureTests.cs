using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Dendritic.Experiments.Tests.Support;
using Dendritic.Reporting;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Results;

/// <summary>Report files do not change with the current culture of the thread that writes them.</summary>
[TestFixture]
public sealed class ReportCultureTests
{
    [Test]
    public void WriteAll_GermanCulture_WritesTheSameBytesAsInvariant()
    {
        var report = HandMadeReport.For(-1, 2);

        var invariant = Files(report, CultureInfo.InvariantCulture, charts: false);
        var german = Files(report, German(), charts: false);

        german.Should().Equal(invariant);
    }

    [Test]
    public void ToMarkdown_CultureWithAnotherMinusSign_PrintsNegativeSeedsWithAsciiMinus()
    {
        // sv-SE and others print U+2212 as their minus sign; a clone states it whatever the machine's ICU data.
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NegativeSign = "\u2212";
        var report = HandMadeReport.For(-1, 2);

        var markdown = InCulture(culture, () => ReportWriter.ToMarkdown(report));

        markdown.Should().Contain("Seeds: -1, 2.").And.Contain("on 2 of 2 seeds (-1, 2)").And.NotContain("\u2212");
    }

    [Test]
    public void ExperimentChartsWriteAll_GermanCulture_DrawsTheSamePixelsAsInvariant()
    {
        // ScottPlot formats tick labels with the current culture: under de-DE 90.5 and 17,885 would read 90,5 and 17.885.
        var report = HandMadeReport.For(1, 2, 3);

        var invariant = Files(report, CultureInfo.InvariantCulture, charts: true);
        var german = Files(report, German(), charts: true);

        german.Should().Equal(invariant);
    }

    [Test]
    public void Merge_GermanCulture_NamesTheDifferingRecipeWithInvariantNumbers()
    {
        // A record prints its numbers with the current culture: under de-DE the recipe read "LearningRate = 0,0015".
        var part = HandMadeReport.For(1);
        var other = HandMadeReport.For(2) with { Recipe = part.Recipe with { LearningRate = 0.0025 } };

        var act = () => InCulture(German(), () => ReportMerger.Merge(new[] { part, other }));

        act.Should().Throw<ReportMergeException>().Which.Message.Should()
            .Contain("LearningRate = 0.0015").And.Contain("LearningRate = 0.0025").And.NotContain("0,00");
    }

    /// <summary>
    /// de-DE where the runtime has culture data. In globalization-invariant mode (DOTNET_SYSTEM_GLOBALIZATION_INVARIANT,
    /// the usual setting of images without ICU) only the invariant culture exists and GetCultureInfo("de-DE") throws, so
    /// a clone of it with German number separators (decimal comma, point between thousands) stands in: the spelling
    /// these tests guard against.
    /// </summary>
    private static CultureInfo German()
    {
        try
        {
            return CultureInfo.GetCultureInfo("de-DE");
        }
        catch (CultureNotFoundException)
        {
            var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            culture.NumberFormat.NumberDecimalSeparator = ",";
            culture.NumberFormat.NumberGroupSeparator = ".";
            culture.NumberFormat.PercentDecimalSeparator = ",";
            culture.NumberFormat.PercentGroupSeparator = ".";
            culture.NumberFormat.CurrencyDecimalSeparator = ",";
            culture.NumberFormat.CurrencyGroupSeparator = ".";
            return culture;
        }
    }

    private static (string Name, string Hash)[] Files(ExperimentReport report, CultureInfo culture, bool charts)
    {
        using var temp = new TempFolder();
        var paths = InCulture(culture, () => charts ? ExperimentCharts.WriteAll(report, temp.Path, 400, 300) : ReportWriter.WriteAll(report, temp.Path));
        return paths.Select(p => (Path.GetFileName(p), Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p))))).ToArray();
    }

    private static T InCulture<T>(CultureInfo culture, Func<T> action)
    {
        var before = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = culture;
        try
        {
            return action();
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }
}
