using System;

namespace Dendritic.Experiments;

/// <summary>Text cells of the report's CSV files.</summary>
internal static class CsvText
{
    /// <summary>
    /// <paramref name="text"/> as a CSV cell: quoted, quotes doubled, and a leading <c>=</c>, <c>+</c>, <c>-</c>,
    /// <c>@</c>, tab or carriage return after a <c>'</c>, so that a spreadsheet shows the text instead of running it as
    /// a formula. The texts come from report.json, which is read as untrusted input: an edited one had carried
    /// <c>=HYPERLINK(...)</c> into runs.csv as it stood.
    /// </summary>
    public static string Quote(string text)
    {
        var cell = text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;
        return "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
