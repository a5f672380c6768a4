using System;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dendritic.Experiments;

/// <summary>
/// The one rule for the numbers of a report's JSON, applied by the serializer to every double it reads or writes
/// (System.Text.Json reads and writes a <c>double?</c> through the <c>double</c> converter too): each is finite.
/// "1e400" is valid JSON, and System.Text.Json reads it into a double as infinity without complaint, but a report holding
/// one cannot be summarised (<see cref="Statistics.Summarize"/> takes finite values) nor written back, so merging such a
/// report.json threw an <see cref="ArgumentException"/> after the table was printed; and writing NaN or infinity, which
/// JSON has no notation for, failed in <see cref="Utf8JsonWriter"/> with an <see cref="ArgumentException"/> that named
/// no field. Both are refused here, and <see cref="Run{T}"/> names the value's path (which the serializer knows and this
/// converter does not).
/// </summary>
internal sealed class FiniteDoubleConverter : JsonConverter<double>
{
    /// <summary>
    /// Runs <paramref name="serialize"/> (a serializer call with options holding this converter), turning a value this
    /// converter refused into a <see cref="JsonException"/> whose message names the value's path.
    /// </summary>
    /// <exception cref="JsonException">A number read is too large for a double, or one written is NaN or infinite; or whatever else the call throws.</exception>
    public static T Run<T>(Func<T> serialize)
    {
        try
        {
            return serialize();
        }
        catch (RefusedNumberException e)
        {
            // The serializer has set the path on the exception it rethrows, not in its message.
            var path = e.Path ?? "$";
            throw new JsonException(
                e.Read
                    ? $"The number at {path} ({e.Text}) is too large for a double: no report holds one."
                    // Writing, System.Text.Json's path leaves out list indices ("$.Runs.Co2Grams"): it names the field.
                    : $"A value of {path} is {e.Text}: JSON has no notation for NaN or infinity, so no report holds one.",
                path,
                e.LineNumber,
                e.BytePositionInLine);
        }
    }

    /// <inheritdoc/>
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = reader.GetDouble();
        if (!double.IsFinite(value))
        {
            var raw = reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan.ToArray();
            throw new RefusedNumberException(UntrustedText.Excerpt(Encoding.UTF8.GetString(raw)), read: true);
        }

        return value;
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        if (!double.IsFinite(value))
        {
            throw new RefusedNumberException(value.ToString(CultureInfo.InvariantCulture), read: false);
        }

        writer.WriteNumberValue(value);
    }

    /// <summary>
    /// A <see cref="JsonException"/>, so that the serializer records the path on it (it does for no other type a
    /// converter throws) and rethrows it; <see cref="Run{T}"/> replaces it with one whose message names that path.
    /// </summary>
    private sealed class RefusedNumberException(string text, bool read) : JsonException
    {
        /// <summary>The number as the file has it (cut short), or the value written.</summary>
        public string Text { get; } = text;

        /// <summary>Whether it was refused reading (else writing).</summary>
        public bool Read { get; } = read;
    }
}
