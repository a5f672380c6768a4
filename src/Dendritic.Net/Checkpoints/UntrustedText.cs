using System;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace Dendritic;

/// <summary>Text read from a user's file, quoted in an error message or parsed as JSON.</summary>
internal static class UntrustedText
{
    private const int MaxChars = 40;
    private const int MaxNameChars = 256;
    private const int MaxMessageChars = 512;

    /// <summary>
    /// The first 40 characters of <paramref name="text"/>, with "..." when it is longer: enough to recognise the value,
    /// short enough that a hostile file cannot fill a message or a log with it. Control characters are escaped.
    /// </summary>
    public static string Excerpt(string text) => Clip(text, MaxChars);

    /// <summary>
    /// A name from the file (a layer's, a host type's, a tensor key, a JSON property) for a message: whole up to 256
    /// characters, which any real module path fits in, the first 256 and "..." beyond. Control characters are escaped.
    /// </summary>
    public static string Name(string text) => Clip(text, MaxNameChars);

    /// <summary>
    /// A reader's message about the file's content (System.Text.Json's quotes the property path it failed at), for a
    /// message of ours: whole up to 512 characters, the first 512 and "..." beyond. Control characters are escaped.
    /// </summary>
    public static string Message(string text) => Clip(text, MaxMessageChars);

    // Escaped as \uXXXX so that a newline or a terminal escape in a file cannot start a line of its own in a log.
    private static string Clip(string text, int maxChars)
    {
        var clipped = text.Length > maxChars ? text[..maxChars] + "..." : text;
        if (!clipped.Any(char.IsControl))
        {
            return clipped;
        }

        var escaped = new StringBuilder(clipped.Length + 16);
        foreach (var c in clipped)
        {
            escaped.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        }

        return escaped.ToString();
    }

    /// <summary>
    /// Parses JSON read from a file. An escaped unpaired surrogate ("\ud800") is valid JSON in valid UTF-8 but decodes to
    /// no string; the duplicate-key check (<see cref="JsonDocumentOptions.AllowDuplicateProperties"/> false) decodes every
    /// key and throws <see cref="InvalidOperationException"/> on one, which is raised here as the
    /// <see cref="JsonException"/> any other malformed JSON gives, so callers handle one exception type.
    /// </summary>
    /// <exception cref="JsonException">The bytes are not valid JSON, nest too deep, repeat a key, or hold a key that is no valid text.</exception>
    public static JsonDocument ParseJson(ReadOnlyMemory<byte> utf8, JsonDocumentOptions options)
    {
        try
        {
            return JsonDocument.Parse(utf8, options);
        }
        catch (InvalidOperationException e)
        {
            throw new JsonException($"A key is not valid text (an unpaired UTF-16 surrogate escape): {e.Message}", e);
        }
    }

    /// <summary>
    /// The text of a JSON string; null for another kind of value, and for a string that is no valid text: an escaped
    /// unpaired surrogate ("\ud800") is valid JSON in valid UTF-8, yet <see cref="JsonElement.GetString"/> throws
    /// <see cref="InvalidOperationException"/> on it, which is no error of the caller's but a damaged file.
    /// </summary>
    public static string? TryGetString(JsonElement value)
    {
        try
        {
            return value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
