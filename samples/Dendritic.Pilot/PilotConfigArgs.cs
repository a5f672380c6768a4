using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;

namespace Dendritic.Pilot;

/// <summary>
/// <c>--config FILE</c>: the file's settings become command-line flags, so they pass the same checks as typed ones;
/// flags given after <c>--config</c> replace the file's value of that setting. <c>--config</c> must come first. The
/// recorded output folder is not reused: the rerun writes to <c>--output</c> or the default folder.
/// </summary>
public static class PilotConfigArgs
{
    /// <summary>The flag.</summary>
    public const string Flag = "--config";

    // Settings whose flag is not the property name in kebab case.
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        [nameof(PilotOptions.Mode)] = "--dendrite-mode",
        [nameof(PilotOptions.DataFolder)] = "--data",
        [nameof(PilotOptions.OutputFolder)] = "--output",
    };

    /// <summary>The flags that set <paramref name="options"/>: every settable property with a value, in declaration order.</summary>
    /// <param name="options">The settings.</param>
    /// <returns>Flag and value pairs.</returns>
    public static string[] ToArgs(PilotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var args = new List<string>();
        foreach (var property in typeof(PilotOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null))
        {
            if (property.GetValue(options) is { } value)
            {
                args.Add(FlagFor(property.Name));
                args.Add(Token(value));
            }
        }

        return args.ToArray();
    }

    /// <summary>The flag of a <see cref="PilotOptions"/> property.</summary>
    /// <param name="property">The property name.</param>
    /// <returns>For example <c>--first-seed</c>.</returns>
    public static string FlagFor(string property)
    {
        ArgumentNullException.ThrowIfNull(property);
        if (Flags.TryGetValue(property, out var flag))
        {
            return flag;
        }

        var kebab = new StringBuilder("--");
        for (var i = 0; i < property.Length; i++)
        {
            if (char.IsUpper(property[i]) && i > 0)
            {
                kebab.Append('-');
            }

            kebab.Append(char.ToLowerInvariant(property[i]));
        }

        return kebab.ToString();
    }

    /// <summary>Finds <c>--config FILE</c> (or <c>--config=FILE</c>); false when absent.</summary>
    internal static bool TryFind(string[] args, out string path, out string[] rest, out string? error)
    {
        (path, rest, error) = (string.Empty, args, null);
        var at = Array.FindAll(Enumerable.Range(0, args.Length).ToArray(), i => args[i] == Flag || args[i].StartsWith(Flag + "=", StringComparison.Ordinal));
        if (at.Length == 0)
        {
            return false;
        }

        if (at.Length > 1 || at[0] != 0)
        {
            error = $"{Flag} must come first, and only once: the flags after it replace the file's settings.";
            return true;
        }

        var inline = args[0].Length > Flag.Length;
        // "--config -o x": the next token is a flag, not the file (a file whose name starts with '-' can be given as
        // --config=FILE or ./-name).
        var next = args.Length > 1 && !args[1].StartsWith('-') ? args[1] : string.Empty;
        path = inline ? args[0][(Flag.Length + 1)..] : next;
        rest = args[(inline || next.Length == 0 ? 1 : 2)..];
        error = path.Length == 0 ? $"{Flag} needs a file: {Flag} out/pilot/config.json" : null;
        return true;
    }

    /// <summary>Parses a command line that starts with <c>--config</c>.</summary>
    internal static PilotParse Parse(string path, string[] rest, string? error, out ParseResult result)
    {
        var (config, readError) = error is null ? PilotConfigFile.Read(path) : (null, error);
        if (config is null)
        {
            PilotCommandLine.Parse(Array.Empty<string>(), out result);
            return new PilotParse(null, new[] { readError! }, false);
        }

        var fileArgs = ToArgs(config.Options);
        var fromFile = PilotCommandLine.Parse(fileArgs, out result);
        if (fromFile.Errors.Count > 0)
        {
            return fromFile with { Errors = fromFile.Errors.Select(e => $"--config '{path}': {e}").ToArray() };
        }

        var typed = PilotCommandLine.Parse(rest, out var typedResult);
        if (typed.HelpOrVersion)
        {
            result = typedResult;
            return typed;
        }

        var given = typedResult.CommandResult.Children.OfType<OptionResult>().Where(o => !o.Implicit).Select(o => o.Option.Name).ToHashSet(StringComparer.Ordinal);
        // The recorded output folder is where the first run wrote (often another machine's path): a rerun writes to
        // --output or the default, never silently over the recorded folder.
        var kept = fileArgs.Chunk(2).Where(pair => !given.Contains(pair[0]) && pair[0] != FlagFor(nameof(PilotOptions.OutputFolder))).SelectMany(pair => pair);
        var merged = PilotCommandLine.Parse(kept.Concat(rest).ToArray(), out result);
        if (merged.Options is not { } options)
        {
            return merged;
        }

        var own = Path.GetDirectoryName(Path.GetFullPath(path));
        if (string.Equals(Path.GetFullPath(options.OutputFolder).TrimEnd(Path.DirectorySeparatorChar), own, StringComparison.Ordinal))
        {
            return new PilotParse(null, new[] { $"The report would overwrite the folder of --config '{path}'; give --output FOLDER after it." }, false);
        }

        return merged with { Config = config };
    }

    private static string Token(object value) => value switch
    {
        bool b => b ? "true" : "false",
        GrowthRuleSet rules => GrowthRules.Describe(rules),
        Enum e => e.ToString(),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
