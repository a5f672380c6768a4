using System.Collections.Generic;
using System.Linq;

namespace Dendritic.Benchmarks;

/// <summary>The median the benchmark modes report (the middle value; the mean of the two middle ones for an even count).</summary>
internal static class Medians
{
    /// <summary>The median of <paramref name="values"/> (at least one).</summary>
    public static double Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}
