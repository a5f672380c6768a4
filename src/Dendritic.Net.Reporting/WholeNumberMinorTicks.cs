using System;
using System.Collections.Generic;
using System.Linq;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace Dendritic.Reporting;

/// <summary>
/// Minor ticks for an axis that counts, such as epochs: ScottPlot's usual five per major tick, kept only where they fall
/// on a whole number. With a major tick every epoch that leaves none (marks at 1.2, 1.4, ... would sit between epochs);
/// with one every 5 or 10 epochs it leaves every epoch or every second one.
/// </summary>
internal sealed class WholeNumberMinorTicks : IMinorTickGenerator
{
    private readonly EvenlySpacedMinorTickGenerator _evenly = new(5);

    /// <summary>The whole-number minor tick positions between <paramref name="majorTicks"/> within <paramref name="visibleRange"/>.</summary>
    public IEnumerable<double> GetMinorTicks(double[] majorTicks, CoordinateRange visibleRange) =>
        _evenly.GetMinorTicks(majorTicks, visibleRange).Where(IsWhole);

    /// <summary>Whether <paramref name="position"/> is a whole number, up to the rounding of adding tick spacings.</summary>
    public static bool IsWhole(double position) => Math.Abs(position - Math.Round(position)) < 1e-6;

    /// <summary>A tick generator for an axis of whole numbers: labels and marks at whole numbers only.</summary>
    public static NumericAutomatic Axis() => new() { IntegerTicksOnly = true, MinorTickGenerator = new WholeNumberMinorTicks() };
}
