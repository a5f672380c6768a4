using System;
using System.Collections.Generic;
using System.Globalization;

namespace Dendritic;

/// <summary>
/// Collects the invalid values of an options record (and of the records nested in it), so that one
/// <see cref="InvalidOptionsException"/> reports all of them. Every options record of this library and its companion
/// packages validates through it (they see it through InternalsVisibleTo). Each rule states the default, which the
/// caller reads from the record's own default instance, so that defaults are written once, in the property
/// initialisers. Internal: code outside the library reports its own invalid values with the public
/// <see cref="InvalidOptionsException(string, IReadOnlyList{InvalidOption})"/>.
/// </summary>
internal sealed class OptionsValidator
{
    private readonly List<InvalidOption> _problems;
    private readonly string _prefix;

    /// <summary>Starts an empty list of problems for one options record.</summary>
    /// <param name="optionsType">The record's type name, used in the message, e.g. <c>GrowthOptions</c>.</param>
    public OptionsValidator(string optionsType)
        : this(optionsType, new List<InvalidOption>(), string.Empty)
    {
    }

    private OptionsValidator(string optionsType, List<InvalidOption> problems, string prefix)
    {
        OptionsType = optionsType;
        _problems = problems;
        _prefix = prefix;
    }

    /// <summary>The record's type name, as given to the constructor.</summary>
    public string OptionsType { get; }

    /// <summary>The problems found so far.</summary>
    public IReadOnlyList<InvalidOption> Problems => _problems;

    /// <summary>A validator for a nested record whose problems are reported as <c>prefix.Name</c>.</summary>
    /// <param name="prefix">The nested record's property name.</param>
    /// <returns>A validator that adds to the same list.</returns>
    public OptionsValidator Nested(string prefix) => new(OptionsType, _problems, _prefix + prefix + ".");

    /// <summary>Records a problem unless <paramref name="valid"/>.</summary>
    /// <param name="valid">Whether the value is valid.</param>
    /// <param name="name">The option's name.</param>
    /// <param name="value">The value given.</param>
    /// <param name="rule">What a valid value is, with the default, e.g. "must be at least 1 (default 3)".</param>
    public void Require(bool valid, string name, object? value, string rule)
    {
        if (!valid)
        {
            _problems.Add(new InvalidOption(_prefix + name, value, rule));
        }
    }

    /// <summary>Records a problem unless <paramref name="value"/> is a named member of its enum.</summary>
    /// <typeparam name="T">The enum type.</typeparam>
    /// <param name="value">The value given.</param>
    /// <param name="name">The option's name.</param>
    public void Defined<T>(T value, string name)
        where T : struct, Enum =>
        Require(Enum.IsDefined(value), name, value, $"unknown value; use one of {string.Join(", ", Enum.GetNames<T>())}");

    /// <summary>Records a problem unless <paramref name="value"/> &gt;= <paramref name="minimum"/>.</summary>
    /// <param name="value">The value given.</param>
    /// <param name="minimum">The smallest valid value.</param>
    /// <param name="name">The option's name.</param>
    /// <param name="defaultValue">The option's default, for the message.</param>
    public void AtLeast(int value, int minimum, string name, int defaultValue) =>
        Require(value >= minimum, name, value, $"must be at least {minimum} (default {defaultValue})");

    /// <summary>Records a problem unless <paramref name="value"/> &gt;= <paramref name="minimum"/> (sizes and counts in 64 bits).</summary>
    /// <param name="value">The value given.</param>
    /// <param name="minimum">The smallest valid value.</param>
    /// <param name="name">The option's name.</param>
    /// <param name="defaultValue">The option's default, for the message.</param>
    public void AtLeast(long value, long minimum, string name, long defaultValue) =>
        Require(value >= minimum, name, value, $"must be at least {minimum} (default {defaultValue})");

    /// <summary>Records a problem unless <paramref name="value"/> is finite and &gt;= <paramref name="minimum"/>.</summary>
    /// <param name="value">The value given.</param>
    /// <param name="minimum">The smallest valid value.</param>
    /// <param name="name">The option's name.</param>
    /// <param name="defaultValue">The option's default, for the message.</param>
    public void FiniteAtLeast(double value, double minimum, string name, double defaultValue) =>
        Require(double.IsFinite(value) && value >= minimum, name, value, $"must be a finite number >= {Format(minimum)} (default {Format(defaultValue)})");

    /// <summary>Records a problem unless <paramref name="value"/> is finite and &gt; <paramref name="minimum"/>.</summary>
    /// <param name="value">The value given.</param>
    /// <param name="minimum">The bound, itself invalid.</param>
    /// <param name="name">The option's name.</param>
    /// <param name="defaultValue">The option's default, for the message.</param>
    public void FiniteAbove(double value, double minimum, string name, double defaultValue) =>
        Require(double.IsFinite(value) && value > minimum, name, value, $"must be a finite number > {Format(minimum)} (default {Format(defaultValue)})");

    /// <summary>Records a problem if <paramref name="value"/> is null.</summary>
    /// <param name="value">The value given.</param>
    /// <param name="name">The option's name.</param>
    /// <param name="defaultText">The default, as code, for the message.</param>
    /// <returns>Whether the value is set (so that nested checks may run).</returns>
    public bool NotNull(object? value, string name, string defaultText)
    {
        Require(value is not null, name, null, $"must be set (default {defaultText})");
        return value is not null;
    }

    /// <summary>Records a problem unless <paramref name="value"/> has a non-whitespace character.</summary>
    /// <param name="value">The value given.</param>
    /// <param name="name">The option's name.</param>
    /// <param name="defaultText">The default, for the message.</param>
    public void NotBlank(string? value, string name, string defaultText) =>
        Require(!string.IsNullOrWhiteSpace(value), name, value, $"must be a non-empty name (default {defaultText})");

    /// <summary>Throws <see cref="InvalidOptionsException"/> listing every problem, if there is any.</summary>
    /// <exception cref="InvalidOptionsException">At least one problem was recorded.</exception>
    public void ThrowIfInvalid()
    {
        if (_problems.Count > 0)
        {
            throw new InvalidOptionsException(OptionsType, _problems);  // the constructor copies the list
        }
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
