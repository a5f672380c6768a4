using System.Globalization;
using System.Text.Json;

namespace Dendritic.Experiments;

/// <summary>
/// Refuses JSON whose numbers do not fit a double: "1e400" is valid JSON, and System.Text.Json reads it into a double as
/// infinity without complaint, but a report holding one cannot be summarised (<see cref="Statistics.Summarize"/> takes
/// finite values) nor written back (JSON has no infinity), so merging such a report.json threw an
/// <see cref="System.ArgumentException"/> after the table was printed.
/// </summary>
internal static class FiniteJsonNumbers
{
    /// <summary>Throws naming the first number (by its path) that reads as an infinite double.</summary>
    /// <param name="json">The JSON text (already known to parse).</param>
    /// <param name="maxDepth">The nesting limit the text was read with (0: the default, 64).</param>
    /// <exception cref="JsonException">A number is too large for a double, or the text is not JSON.</exception>
    public static void ThrowIfAnyIsNot(string json, int maxDepth)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = maxDepth });
        Check(document.RootElement, "$");
    }

    private static void Check(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Check(property.Value, path + "." + property.Name);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Check(item, string.Create(CultureInfo.InvariantCulture, $"{path}[{i++}]"));
                }

                break;
            case JsonValueKind.Number:
                if (!double.IsFinite(double.Parse(element.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture)))
                {
                    throw new JsonException($"The number at {path} ({UntrustedText.Excerpt(element.GetRawText())}) is too large for a double: no report holds one.", path, null, null);
                }

                break;
        }
    }
}
