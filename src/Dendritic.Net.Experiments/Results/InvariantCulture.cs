using System;
using System.Globalization;

namespace Dendritic.Experiments;

/// <summary>
/// Runs code that formats numbers with the thread's current culture and takes no provider (a record's ToString,
/// ScottPlot's tick labels) under the invariant culture, so that reports and charts do not change with the machine's
/// language; the thread's culture is put back afterwards.
/// </summary>
internal static class InvariantCulture
{
    /// <summary>Runs <paramref name="format"/> with <see cref="CultureInfo.CurrentCulture"/> set to the invariant culture.</summary>
    public static T Run<T>(Func<T> format)
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            return format();
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }
}
