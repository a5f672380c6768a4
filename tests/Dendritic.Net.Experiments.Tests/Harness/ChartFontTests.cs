using System;
using System.IO;
using System.Linq;
using Dendritic.Experiments.Tests.Support;
using Dendritic.Reporting;
using FluentAssertions;
using NUnit.Framework;
using SkiaSharp;
using Dendritic.Testing;

namespace Dendritic.Experiments.Tests.Harness;

/// <summary>
/// Charts carry their own font. SkiaSharp's dependency-free Linux build finds system fonts by scanning
/// /usr/share/fonts, which a test process cannot hide from itself, so CI checks what makes charts independent of it:
/// the typeface of chart text is built from the font embedded in the reporting assembly, and the title renders. To
/// run them with no system fonts at all (as root on Linux): unshare -m sh -c 'mount --bind "$(mktemp -d)"
/// /usr/share/fonts &amp;&amp; dotnet test tests/Dendritic.Net.Experiments.Tests -c Release --filter ChartFontTests'.
/// </summary>
[TestFixture]
public sealed class ChartFontTests
{
    private const string FontName = "Dendritic.Net DejaVu Sans";

    [Test]
    public void WriteAll_TitleAreaHasText()
    {
        using var temp = new TempFolder();

        var files = ExperimentCharts.WriteAll(Report(), temp.Path, 600, 400);

        foreach (var file in files)
        {
            using var bitmap = SKBitmap.Decode(file);
            var background = bitmap.GetPixel(2, 2);
            int Inked(int y, int from, int to) => Enumerable.Range(from, to - from).Count(x => bitmap.GetPixel(x, y) != background);

            int LongestRun(int y)
            {
                int longest = 0, run = 0;
                for (var x = 0; x < bitmap.Width; x++)
                {
                    run = bitmap.GetPixel(x, y) == background ? 0 : run + 1;
                    longest = Math.Max(longest, run);
                }

                return longest;
            }

            // The title is drawn above the data area's frame (the first row with an unbroken line across a third of
            // the width; text has gaps); without a font nothing is drawn there and the frame moves up to the top.
            var frame = Enumerable.Range(0, bitmap.Height).First(y => LongestRun(y) > bitmap.Width / 3);
            var title = Enumerable.Range(0, frame).Sum(y => Inked(y, bitmap.Width / 4, 3 * bitmap.Width / 4));

            title.Should().BeGreaterThan(100, $"{Path.GetFileName(file)} should show its title above the frame (row {frame})");
        }
    }

    [Test]
    public void WriteAll_TextTypefaceIsTheEmbeddedFont()
    {
        using var temp = new TempFolder();
        ExperimentCharts.WriteAll(Report(), temp.Path, 300, 200);
        using var resource = typeof(ExperimentCharts).Assembly.GetManifestResourceStream("Dendritic.Reporting.Fonts.DejaVuSans.ttf")!;

        using var typeface = ScottPlot.Fonts.GetTypeface(FontName, bold: false, italic: false);
        using var data = typeface.OpenStream(out _);

        typeface.FamilyName.Should().Be("DejaVu Sans");
        data.Length.Should().Be((int)resource.Length, "the typeface comes from the embedded file, not from a system font");
        ScottPlot.Fonts.Default.Should().NotBe(FontName, "charts leave ScottPlot's process-wide default font alone");
    }

    private static ExperimentReport Report() =>
        new ExperimentRunner(Synthetic.Factory, Synthetic.Data(), new FixedEpochGrowth(new FixedEpochGrowthOptions { GrowAfterEpochs = new[] { 2 }, MaxEpochs = 3 }), new ExperimentOptions
        {
            Seeds = new[] { 3 },
            Width = 4,
            Recipe = new TrainingRecipe { Epochs = 2, BatchSize = 32, LearningRate = 0.01 },
            LatencyRepeats = 1,
            LatencyBatchSize = 8,
        }).Run();
}
