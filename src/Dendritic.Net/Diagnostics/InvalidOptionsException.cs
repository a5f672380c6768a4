using System;
using System.Collections.Generic;
using System.Linq;

namespace Dendritic;

/// <summary>
/// Thrown by an options record's <c>Validate</c> (and so by every API that takes options) when one or more values are
/// invalid. It reports every invalid value at once, nested options included, each with the rule and the default.
/// </summary>
public sealed class InvalidOptionsException : DendriticException
{
    /// <summary>Creates the exception.</summary>
    public InvalidOptionsException()
    {
        OptionsType = string.Empty;
        Problems = Array.Empty<InvalidOption>();
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    public InvalidOptionsException(string message)
        : base(message)
    {
        OptionsType = string.Empty;
        Problems = Array.Empty<InvalidOption>();
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    public InvalidOptionsException(string message, Exception innerException)
        : base(message, innerException)
    {
        OptionsType = string.Empty;
        Problems = Array.Empty<InvalidOption>();
    }

    /// <summary>
    /// Creates the exception for one or more invalid values of an options type of your own, so that code which catches
    /// <see cref="InvalidOptionsException"/> handles your options as it handles the library's. The message lists
    /// every problem, as the library's records do: <c>MyOptions has 1 invalid value: Seeds = 0: must be at least 1 (default 10).</c>
    /// </summary>
    /// <param name="optionsType">The options type's name, e.g. <c>nameof(MyOptions)</c>.</param>
    /// <param name="problems">Every invalid value, in declaration order (copied).</param>
    /// <exception cref="ArgumentNullException"><paramref name="optionsType"/>, <paramref name="problems"/> or one of its elements is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="optionsType"/> is empty or <paramref name="problems"/> has no element.</exception>
    public InvalidOptionsException(string optionsType, IReadOnlyList<InvalidOption> problems)
        : this(optionsType, Checked(optionsType, problems))
    {
    }

    private InvalidOptionsException(string optionsType, InvalidOption[] problems)
        : base($"{optionsType} has {problems.Length} invalid value{(problems.Length == 1 ? string.Empty : "s")}: {string.Join("; ", (IEnumerable<InvalidOption>)problems)}.")
    {
        OptionsType = optionsType;
        Problems = problems;
    }

    /// <summary>The same problems with a message of the caller's (which adds what the context knows about them).</summary>
    internal InvalidOptionsException(string optionsType, IReadOnlyList<InvalidOption> problems, string message, Exception innerException)
        : base(message, innerException)
    {
        OptionsType = optionsType;
        Problems = problems;
    }

    private static InvalidOption[] Checked(string optionsType, IReadOnlyList<InvalidOption> problems)
    {
        ArgumentException.ThrowIfNullOrEmpty(optionsType);
        ArgumentNullException.ThrowIfNull(problems);
        var copy = problems.ToArray();
        if (copy.Length == 0)
        {
            throw new ArgumentException("An InvalidOptionsException reports at least one invalid value.", nameof(problems));
        }

        if (Array.IndexOf(copy, null) >= 0)
        {
            throw new ArgumentNullException(nameof(problems), "The list of invalid values holds a null element.");
        }

        return copy;
    }

    /// <summary>The options record that was validated, e.g. <c>GrowthOptions</c>.</summary>
    public string OptionsType { get; }

    /// <summary>Every invalid value, in declaration order.</summary>
    public IReadOnlyList<InvalidOption> Problems { get; }

    /// <summary>The names of the invalid options (a convenience over <see cref="Problems"/>).</summary>
    public IReadOnlyList<string> OptionNames => Problems.Select(p => p.Name).ToList();
}
