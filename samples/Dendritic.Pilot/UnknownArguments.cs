using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Linq;

namespace Dendritic.Pilot;

/// <summary>
/// Words on the command line that no option takes. System.CommandLine reports a mistyped flag and the value after it as
/// two unrecognised arguments ("--sedes 3" gave one error for '--sedes' and one for '3'); the pilot names the flag once,
/// with the known flag closest to it, and leaves out the value that came with it.
/// </summary>
internal static class UnknownArguments
{
    /// <summary>One message per unknown flag or stray value, in command-line order; empty when every word was taken.</summary>
    /// <param name="result">The parse result; its root command's options are the known flags.</param>
    public static IReadOnlyList<string> Describe(ParseResult result)
    {
        var unmatched = new Queue<string>(result.UnmatchedTokens);
        var known = result.RootCommandResult.Command.Options.Select(o => o.Name).ToArray();
        var messages = new List<string>();
        var afterUnknownFlag = false;

        // The unmatched words come in command-line order: walking the tokens finds which word follows which.
        foreach (var token in result.Tokens)
        {
            if (unmatched.Count == 0)
            {
                break;
            }

            if (!string.Equals(token.Value, unmatched.Peek(), StringComparison.Ordinal))
            {
                afterUnknownFlag = false;
                continue;
            }

            unmatched.Dequeue();
            if (IsFlag(token.Value))
            {
                messages.Add(Closest(token.Value, known) is { } closest
                    ? $"unknown option '{token.Value}'; did you mean {closest}?"
                    : $"unknown option '{token.Value}'.");
                afterUnknownFlag = true;
            }
            else if (afterUnknownFlag)
            {
                // The unknown flag's own value: naming it too would read as a second mistake.
                afterUnknownFlag = false;
            }
            else
            {
                messages.Add($"unexpected argument '{token.Value}': a value must follow its option (as in --seeds 3).");
            }
        }

        return messages;
    }

    // "-1" is a (negative) value, "-x" and "--x" are flags.
    private static bool IsFlag(string word) => word.Length > 1 && word[0] == '-' && (word[1] == '-' || char.IsLetter(word[1]));

    /// <summary>The known flag nearest to <paramref name="flag"/> (its part before any '='), or null when none is near.</summary>
    private static string? Closest(string flag, IReadOnlyList<string> known)
    {
        var typed = flag.Split('=', 2)[0].ToLowerInvariant();

        // A typo or two, a few more in a long name; further off, a suggestion would be a guess.
        var allowed = Math.Max(2, typed.Length / 5);
        var best = known.Select(k => (Name: k, Distance: Distance(typed, k))).Where(k => k.Distance <= allowed).OrderBy(k => k.Distance).FirstOrDefault();
        return best.Name;
    }

    /// <summary>Edit distance with swaps of two neighbouring letters counted as one edit (optimal string alignment).</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
