using System;
using System.IO;
using ScottPlot;
using SkiaSharp;

namespace Dendritic.Reporting;

/// <summary>
/// The font every chart uses: DejaVu Sans (Bitstream Vera licence, in Fonts/DejaVuSans-LICENSE.txt), embedded in this
/// assembly, so charts have the same text on every machine, including machines with no system fonts at all.
/// </summary>
internal sealed class ChartFont : IFontResolver
{
    /// <summary>The name charts ask ScottPlot for; distinct from any system font's, so ours is always the one used.</summary>
    public const string Name = "Dendritic.Net DejaVu Sans";

    private const string Resource = "Dendritic.Reporting.Fonts.DejaVuSans.ttf";
    private static readonly Lazy<byte[]> Bytes = new(Read);
    private static readonly object Gate = new();
    private static bool _registered;

    /// <summary>Sets every text element of <paramref name="plot"/> to the embedded font.</summary>
    public static void Apply(Plot plot)
    {
        lock (Gate)
        {
            if (!_registered)
            {
                Fonts.FontResolvers.Add(new ChartFont());
                _registered = true;
            }
        }

        // Set per text element rather than through plot.Font.Set, which changes ScottPlot's process-wide default and
        // disposes the typeface it has just cached (the first chart then renders without text).
        plot.Axes.Title.Label.FontName = Name;
        foreach (var axis in plot.Axes.GetAxes())
        {
            axis.Label.FontName = Name;
            axis.TickLabelStyle.FontName = Name;
        }

        plot.Legend.FontName = Name;
    }

    public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
        fontName == Name ? SKTypeface.FromData(SKData.CreateCopy(Bytes.Value)) : null;

    public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
        CreateTypeface(fontName, weight >= FontWeight.Bold, slant != FontSlant.Upright);

    private static byte[] Read()
    {
        using var stream = typeof(ChartFont).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The embedded font {Resource} is missing from {typeof(ChartFont).Assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
