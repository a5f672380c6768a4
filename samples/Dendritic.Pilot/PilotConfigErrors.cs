using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dendritic.Pilot;

/// <summary>
/// Turns System.Text.Json's exceptions about a config file into messages for the person who edited it: the key, the
/// value it must have (in words, from the property's type) and the value it has. System.Text.Json names only the .NET
/// type ("could not be converted to System.Int32") and never the value, so both come from the key's path: the type
/// from <see cref="PilotConfig"/>'s properties, the value from the file.
/// </summary>
internal static partial class PilotConfigErrors
{
    private static readonly NullabilityInfoContext Nullability = new();

    /// <summary>The message for a <see cref="JsonException"/> thrown while reading <paramref name="bytes"/>.</summary>
    /// <param name="ex">The exception.</param>
    /// <param name="bytes">The file's bytes.</param>
    /// <param name="json">The options the file was read with.</param>
    /// <returns>One sentence naming the key where there is one.</returns>
    public static string Describe(JsonException ex, byte[] bytes, JsonSerializerOptions json)
    {
        try
        {
            return DescribeKey(ex, bytes, json);
        }
        catch (Exception inner) when (inner is InvalidOperationException or ArgumentException or FormatException or NotSupportedException)
        {
            // Describing a bad file must not fail on it (a string with a lone surrogate cannot be read back as text):
            // System.Text.Json's own words then, which name the path.
            return $"not a valid config: {ex.Message}";
        }
    }

    private static string DescribeKey(JsonException ex, byte[] bytes, JsonSerializerOptions json)
    {
        var key = ex.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : null;
        var segments = ex.Path is null ? null : Segments(ex.Path);
        if (ex.Message.Contains("could not be mapped", StringComparison.Ordinal) && QuotedName().Match(ex.Message) is { Success: true } unknown)
        {
            return Unknown(unknown.Groups[1].Value, segments, bytes, json);
        }

        if (DuplicateName().Match(ex.Message) is { Success: true } duplicate)
        {
            // Valid JSON, but which of the two values was meant is the editor's call, not ours.
            var name = duplicate.Groups[1].Value;
            var parent = ParentOf(segments, name);
            var full = parent is { Count: > 0 } ? $"{Join(parent)}.{name}" : name;
            var at = ex.LineNumber is { } line ? string.Create(CultureInfo.InvariantCulture, $" (the second time at line {line + 1})") : string.Empty;
            return $"key '{ConsoleText.Shorten(full, 80)}' is given twice{at}; keep the one you mean.";
        }

        if (ex.Message.Contains("missing required properties", StringComparison.Ordinal))
        {
            // "... missing required properties including: 'Sha256'." at the path of the object that lacks them.
            var missing = ex.Message.Split(':').Last().Trim().TrimEnd('.');
            var owner = segments is { Count: > 0 } ? PropertyAt(segments)?.Type : null;
            var inner = owner is null ? null : ElementType(owner) ?? owner;
            return inner is null || inner == typeof(PilotConfig)
                ? $"a required key is missing ({missing}); a config needs Options and Data (the data files' SHA-256, or [] to skip that check in a file written by hand), and may give Format."
                : $"a required key is missing in '{key}' ({missing}); the keys there are {string.Join(", ", SettableNames(inner))}.";
        }

        var detail = ex.Message.Split(" Path:")[0];
        if (!detail.Contains("could not be converted", StringComparison.Ordinal) && !detail.Contains("doesn't allow setting null", StringComparison.Ordinal))
        {
            var at = ex.LineNumber is { } line ? string.Create(CultureInfo.InvariantCulture, $" at line {line + 1}, column {(ex.BytePositionInLine ?? 0) + 1}") : string.Empty;
            return $"not valid JSON{at}: {detail}";
        }

        if (key is null)
        {
            return "wrong type at the top level: a config is a JSON object with Format, Options and Data.";
        }

        // A path this class cannot follow (it should not happen) still gets System.Text.Json's own words.
        if (segments is null || PropertyAt(segments) is not { } property)
        {
            return $"key '{key}' has a value of the wrong type or form ({detail}).";
        }

        var value = ValueAt(bytes, segments, json);
        return $"key '{key}' must be {Expected(property.Type, property.Nullable, value)}{Got(value, property.Type)}.";
    }

    private static string Unknown(string name, IReadOnlyList<object>? segments, byte[] bytes, JsonSerializerOptions json)
    {
        var parent = ParentOf(segments, name);
        var parentType = parent is null ? null : parent.Count == 0 ? typeof(PilotConfig) : PropertyAt(parent)?.Type;
        var settings = string.Join(", ", SettableNames(typeof(PilotOptions)));
        if (parentType == typeof(PilotConfig) && typeof(PilotOptions).GetProperty(name) is { SetMethod: not null } setting)
        {
            // A flat file of settings, as one might write by hand: the key is right, its place is not.
            var value = ValueAt(bytes, new object[] { name }, json);
            var there = value is { } found && !Fits(found, setting, json) ? $"; and there it must be {Expected(setting.PropertyType, IsNullable(setting), found)}{Got(found, setting.PropertyType)}" : string.Empty;
            return $"key '{name}' is a setting, and the settings go inside 'Options': {{ \"Format\": \"{PilotConfig.CurrentFormat}\", \"Options\": {{ \"{name}\": ... }}, \"Data\": [] }}, as in a report's config.json{there}.";
        }

        if (parentType == typeof(PilotConfig))
        {
            return $"unknown key '{name}'; a config has the keys {string.Join(", ", SettableNames(typeof(PilotConfig)))}, and the settings ({settings}) go inside 'Options'.";
        }

        var where = parent is { Count: > 0 } ? $" in '{Join(parent)}'" : string.Empty;
        return parentType is null || parentType == typeof(PilotOptions)
            ? $"unknown key '{name}'{where}; the settings are {settings}."
            : $"unknown key '{name}'{where}; the keys there are {string.Join(", ", SettableNames(parentType))}.";
    }

    /// <summary>
    /// The path of the object that holds key <paramref name="name"/>: System.Text.Json's path may end with the key itself
    /// (an unknown or repeated key) or stop at the object, so the key is dropped only when it is the last segment.
    /// </summary>
    private static IReadOnlyList<object>? ParentOf(IReadOnlyList<object>? segments, string name) =>
        segments is { Count: > 0 } && Equals(segments[^1], name) ? segments.Take(segments.Count - 1).ToList() : segments;

    /// <summary>The value as a phrase for a message (", not the string \"abc\""), empty when it could not be read.</summary>
    private static string Got(JsonElement? value, Type expected)
    {
        if (value is not { } found)
        {
            return string.Empty;
        }

        var got = found.ValueKind switch
        {
            JsonValueKind.String => "the string " + ConsoleText.Shorten(found.GetRawText(), 40),
            JsonValueKind.Number => "the number " + ConsoleText.Shorten(found.GetRawText(), 40),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Null => "null",
            JsonValueKind.Object => "an object",
            _ => "a list",
        };

        // The reader is strict (JsonNumberHandling.Strict): "10" is a string even where a number is meant. The hint is
        // given only when the text without its quotes is a valid JSON value of the type ("1.5" is no whole number,
        // "NaN" and "True" are not JSON).
        var inner = Nullable.GetUnderlyingType(expected) ?? expected;
        var quoted = found.ValueKind == JsonValueKind.String && UnquotedFits(found.GetRawText()[1..^1], inner);
        return $", not {got}{(quoted ? " (write it without quotes)" : string.Empty)}";
    }

    /// <summary>What a value of <paramref name="type"/> looks like, in words; <paramref name="value"/> is the one found, if known.</summary>
    private static string Expected(Type type, bool nullable, JsonElement? value = null)
    {
        var inner = Nullable.GetUnderlyingType(type) ?? type;
        var orNull = nullable || inner != type ? " or null" : string.Empty;
        if (inner == typeof(int) || inner == typeof(long))
        {
            // A whole number that failed to convert is too large: then the range is what the reader needs to know.
            var (min, max) = inner == typeof(int) ? ((long)int.MinValue, (long)int.MaxValue) : (long.MinValue, long.MaxValue);
            var range = value is { ValueKind: JsonValueKind.Number } number && !number.GetRawText().AsSpan().ContainsAny(".eE") ? string.Create(CultureInfo.InvariantCulture, $" from {min} to {max}") : string.Empty;
            return $"a whole number{range}{orNull}";
        }

        if (inner == typeof(double))
        {
            return $"a number{orNull}";
        }

        if (inner == typeof(bool))
        {
            return $"true or false{orNull}";
        }

        if (inner == typeof(string))
        {
            return $"a string{orNull}";
        }

        if (inner.IsEnum)
        {
            var names = string.Join(", ", Enum.GetNames(inner));
            return inner.IsDefined(typeof(FlagsAttribute), inherit: false)
                ? $"one of {names}, or several of them in one string separated by commas (\"CycleBest, NormalInit\"){orNull}"
                : $"one of {names}{orNull}";
        }

        if (ElementType(inner) is { } element)
        {
            return $"a list, each item {Expected(element, nullable: false)}{orNull}";
        }

        return $"an object with the keys {string.Join(", ", SettableNames(inner))}{orNull}";
    }

    /// <summary>Whether <paramref name="value"/> reads as <paramref name="property"/>'s type under the file's rules.</summary>
    private static bool Fits(JsonElement value, PropertyInfo property, JsonSerializerOptions json)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return IsNullable(property);
        }

        try
        {
            _ = value.Deserialize(property.PropertyType, json);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The property at the end of <paramref name="segments"/> (names and list indices from <see cref="PilotConfig"/>), or null.</summary>
    private static (Type Type, bool Nullable)? PropertyAt(IReadOnlyList<object> segments)
    {
        var type = typeof(PilotConfig);
        var nullable = false;
        foreach (var segment in segments)
        {
            if (segment is int && ElementType(type) is { } element)
            {
                (type, nullable) = (element, false);
            }
            else if (segment is string name && type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance) is { SetMethod: not null } property)
            {
                (type, nullable) = (property.PropertyType, IsNullable(property));
            }
            else
            {
                return null;
            }
        }

        return (type, nullable);
    }

    /// <summary>The value at <paramref name="segments"/> in the file, or null when the file is not whole JSON past the error.</summary>
    private static JsonElement? ValueAt(byte[] bytes, IReadOnlyList<object> segments, JsonSerializerOptions json)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = json.MaxDepth });
            var element = document.RootElement;
            foreach (var segment in segments)
            {
                if (segment is string name && element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var child))
                {
                    element = child;
                }
                else if (segment is int index && element.ValueKind == JsonValueKind.Array && index < element.GetArrayLength())
                {
                    element = element[index];
                }
                else
                {
                    return null;
                }
            }

            return element.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>System.Text.Json's path ("$.Data[0].File", "$['odd key']") as names and indices; null when it has another form.</summary>
    private static List<object>? Segments(string path)
    {
        var segments = new List<object>();
        var at = 1;
        foreach (Match match in PathSegment().Matches(path))
        {
            if (match.Index != at)
            {
                return null;
            }

            segments.Add(match.Groups["index"].Success ? int.Parse(match.Groups["index"].Value, CultureInfo.InvariantCulture) : match.Groups["name"].Success ? match.Groups["name"].Value : match.Groups["quoted"].Value);
            at = match.Index + match.Length;
        }

        return path.StartsWith('$') && at == path.Length ? segments : null;
    }

    private static string Join(IEnumerable<object> segments) =>
        string.Concat(segments.Select((s, i) => s is int index ? $"[{index}]" : i == 0 ? (string)s : "." + s));

    private static bool IsNullable(PropertyInfo property) =>
        Nullable.GetUnderlyingType(property.PropertyType) is not null || Nullability.Create(property).WriteState == NullabilityState.Nullable;

    /// <summary>Whether <paramref name="text"/>, written into the file without quotes, would be a valid JSON value of <paramref name="type"/>.</summary>
    private static bool UnquotedFits(string text, Type type)
    {
        if (type == typeof(bool))
        {
            return text is "true" or "false";
        }

        if (type != typeof(int) && type != typeof(long) && type != typeof(double))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            var number = document.RootElement;
            return number.ValueKind == JsonValueKind.Number
                && (type == typeof(double) ? number.TryGetDouble(out var d) && double.IsFinite(d)
                    : type == typeof(int) ? number.TryGetInt32(out _) : number.TryGetInt64(out _));
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static Type? ElementType(Type type) =>
        type == typeof(string) ? null : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static IEnumerable<string> SettableNames(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null).Select(p => p.Name);

    // System.Text.Json: "The JSON property 'NAME' could not be mapped to ..."; NAME may itself hold quotes.
    [GeneratedRegex("property '(.+)' could not be mapped", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex QuotedName();

    // System.Text.Json: "Duplicate property 'NAME' encountered during deserialization of type ..."
    [GeneratedRegex("^Duplicate property '(.+)' encountered during", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex DuplicateName();

    // A quoted name may hold quotes itself: it ends at the "']" that ends the path or starts the next segment.
    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\['(?<quoted>.*?)'\](?=$|[.\[])|\[(?<index>[0-9]+)\]", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex PathSegment();
}
