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

    internal InvalidOptionsException(string optionsType, IReadOnlyList<InvalidOption> problems)
        : base($"{optionsType} has {problems.Count} invalid value{(problems.Count == 1 ? string.Empty : "s")}: {string.Join("; ", problems)}.")
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

    /// <summary>The options record that was validated, e.g. <c>GrowthOptions</c>.</summary>
    public string OptionsType { get; }

    /// <summary>Every invalid value, in declaration order.</summary>
    public IReadOnlyList<InvalidOption> Problems { get; }

    /// <summary>The names of the invalid options (a convenience over <see cref="Problems"/>).</summary>
    public IReadOnlyList<string> OptionNames => Problems.Select(p => p.Name).ToList();
}
