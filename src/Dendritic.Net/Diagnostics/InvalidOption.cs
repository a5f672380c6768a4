using System.Globalization;

namespace Dendritic;

/// <summary>One invalid value of an options record, as reported by <see cref="InvalidOptionsException"/>.</summary>
/// <param name="Name">The option's path, e.g. <c>Patience</c> or <c>CascadeCorrelation.PoolSize</c>.</param>
/// <param name="Value">The value given (null when the value itself was null).</param>
/// <param name="Rule">What a valid value is, with the default, e.g. "must be at least 0 (default 3)".</param>
public sealed record InvalidOption(string Name, object? Value, string Rule)
{
    /// <summary>The problem as one phrase: name, value and rule.</summary>
    /// <returns>For example <c>Patience = -1: must be at least 0 (default 3)</c>.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} = {Value ?? "null"}: {Rule}");
}
