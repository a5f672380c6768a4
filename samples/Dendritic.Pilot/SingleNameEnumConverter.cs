using System;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dendritic.Pilot;

/// <summary>
/// Reads an enum that is not <see cref="FlagsAttribute"/> from one of its names only. <see cref="JsonStringEnumConverter"/>
/// reads a comma-separated list as the values OR-ed together on any enum, so <c>"Mlp, Cnn"</c> would be
/// <c>Mlp | Cnn</c>, which is <c>Cnn</c>: a setting that holds one value must not take two and keep a third. Flags enums
/// (<see cref="GrowthRuleSet"/>) keep their lists; everything else is <see cref="JsonStringEnumConverter"/>'s.
/// </summary>
internal sealed class SingleNameEnumConverter : JsonConverterFactory
{
    private readonly JsonStringEnumConverter _names = new(allowIntegerValues: false);

    /// <inheritdoc/>
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsEnum && !typeToConvert.IsDefined(typeof(FlagsAttribute), inherit: false);

    /// <inheritdoc/>
    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options)
    {
        var inner = _names.CreateConverter(typeToConvert, options);
        return (JsonConverter)Activator.CreateInstance(typeof(Single<>).MakeGenericType(typeToConvert), inner)!;
    }

    private sealed class Single<T>(JsonConverter inner) : JsonConverter<T>
        where T : struct, Enum
    {
        private readonly JsonConverter<T> _inner = (JsonConverter<T>)inner;

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.String && Text(ref reader) is { } text && text.Contains(',', StringComparison.Ordinal))
            {
                // No message: System.Text.Json then adds its own ("could not be converted", with the path), which
                // PilotConfigErrors turns into the key, the names it takes and the value it has.
                throw new JsonException();
            }

            return _inner.Read(ref reader, typeToConvert, options);
        }

        /// <summary>The string, unescaped ("\u002C" is a comma too); null when it is no valid text (the inner converter then refuses it).</summary>
        private static string? Text(ref Utf8JsonReader reader)
        {
            try
            {
                return reader.GetString();
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => _inner.Write(writer, value, options);
    }
}
