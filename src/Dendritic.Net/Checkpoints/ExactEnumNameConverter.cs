using System;
using System.Buffers;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dendritic;

/// <summary>
/// Reads an enum from an untrusted file as exactly one of its names (case included), and nothing else; writes the
/// name. <see cref="JsonStringEnumConverter"/> also reads a name in another case, with spaces around it, and several
/// names joined by commas, which it ORs together even for an enum that is no set of flags: <c>"Sigmoid, Tanh"</c> reads
/// as <c>Tanh</c> (0 | 1), a value that <see cref="Enum.IsDefined(Type, object)"/> lets through and no writer
/// writes, so a check of the defined values alone cannot tell it from the real thing.
/// </summary>
internal sealed class ExactEnumNameConverter : JsonConverterFactory
{
    /// <inheritdoc/>
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    /// <inheritdoc/>
    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(NameConverter<>).MakeGenericType(typeToConvert))!;

    // Built by CreateConverter through reflection, which the analyzer cannot see.
#pragma warning disable CA1812
    private sealed class NameConverter<T> : JsonConverter<T>
#pragma warning restore CA1812
        where T : struct, Enum
    {
        // The names as UTF-8, compared with the token's unescaped bytes (Find).
        private static readonly (byte[] Utf8, T Value)[] Names =
            Enum.GetNames<T>().Select(n => (Encoding.UTF8.GetBytes(n), Enum.Parse<T>(n))).ToArray();

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException($"The value is a {reader.TokenType}, not one of the names of {Choices}.");
            }

            if (Find(ref reader) is { } found)
            {
                return found;
            }

            // The raw bytes, escapes as written: quoted for recognition only, and cut short (UntrustedText.Excerpt).
            var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();
            throw new JsonException($"The value \"{UntrustedText.Excerpt(Encoding.UTF8.GetString(raw))}\" is not exactly one of the names of {Choices}.");
        }

        // ValueTextEquals unescapes the token to compare it, and throws InvalidOperationException on an escaped unpaired
        // surrogate ("\ud800"): valid JSON in valid UTF-8, and no name, so reported as any other value that is none.
        private static T? Find(ref Utf8JsonReader reader)
        {
            try
            {
                foreach (var (utf8, value) in Names)
                {
                    if (reader.ValueTextEquals(utf8))
                    {
                        return value;
                    }
                }
            }
            catch (InvalidOperationException)
            {
                // Not a name: the caller reports it.
            }

            return null;
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString());

        private static string Choices => $"{typeof(T).Name} ({string.Join(", ", Enum.GetNames<T>())})";
    }
}
