using System;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dendritic.Experiments;

/// <summary>
/// Reads a report's enums (<see cref="ArmKind"/>) from one of their names only. <see cref="JsonStringEnumConverter"/>
/// also reads a number, defined or not (<c>"Arm": 99</c> merged into a report with a "Dendritic vs 99" row), and a
/// comma-separated list as the values OR-ed together (<c>"Dendritic, CapacityMatched"</c> would read as
/// <c>TrainAsLong</c>). The report writes names, so anything else was edited or damaged. Names match regardless of case,
/// as <see cref="JsonStringEnumConverter"/> matched them. <see cref="Run{T}"/> names the value's path in the message.
/// </summary>
internal sealed class NameOnlyEnumConverter : JsonConverterFactory
{
    /// <summary>
    /// Runs <paramref name="deserialize"/> (a serializer call with options holding this converter), turning a value this
    /// converter refused into a <see cref="JsonException"/> whose message names the value's path, the value and the names.
    /// </summary>
    /// <exception cref="JsonException">An enum value is not one of its type's names; or whatever else the call throws.</exception>
    public static T Run<T>(Func<T> deserialize)
    {
        try
        {
            return deserialize();
        }
        catch (RefusedNameException e)
        {
            // As FiniteDoubleConverter does: the serializer sets the path on the exception, not in its message.
            var path = e.Path ?? "$";
            throw new JsonException($"The value at {path} ({e.Text}) is not one of {e.Names}: a report writes the name. The file was edited or damaged; use the report.json its run wrote.", path, e.LineNumber, e.BytePositionInLine);
        }
    }

    /// <inheritdoc/>
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    /// <inheritdoc/>
    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Names<>).MakeGenericType(typeToConvert))!;

    private sealed class Names<T> : JsonConverter<T>
        where T : struct, Enum
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            if (text is not null && Enum.GetNames<T>().FirstOrDefault(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase)) is { } name)
            {
                return Enum.Parse<T>(name);
            }

            var raw = reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan.ToArray();
            // An object or a list has no value text of its own: its token type says what it is.
            var shown = reader.TokenType == JsonTokenType.String ? $"\"{text}\"" : raw.Length > 0 ? Encoding.UTF8.GetString(raw) : $"a JSON {reader.TokenType}";
            throw new RefusedNameException(UntrustedText.Excerpt(shown), $"{typeof(T).Name}'s names ({string.Join(", ", Enum.GetNames<T>())})");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Enum.GetName(value) ?? throw new JsonException($"{typeof(T).Name} {value} has no name, and a report writes names."));
    }

    /// <summary>A <see cref="JsonException"/>, so that the serializer records the path on it (see <see cref="FiniteDoubleConverter"/>).</summary>
    private sealed class RefusedNameException(string text, string names) : JsonException
    {
        /// <summary>The value as the file has it (cut short).</summary>
        public string Text { get; } = text;

        /// <summary>The names the value may take.</summary>
        public string Names { get; } = names;
    }
}
