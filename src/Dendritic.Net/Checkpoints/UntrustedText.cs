namespace Dendritic;

/// <summary>Text read from a user's file, quoted in an error message.</summary>
internal static class UntrustedText
{
    private const int MaxChars = 40;

    /// <summary>
    /// The first 40 characters of <paramref name="text"/>, with "..." when it is longer: enough to recognise the value,
    /// short enough that a hostile file cannot fill a message or a log with it.
    /// </summary>
    public static string Excerpt(string text) => text.Length > MaxChars ? text[..MaxChars] + "..." : text;
}
