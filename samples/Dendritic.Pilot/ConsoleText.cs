using System;
using System.Globalization;
using System.Text;

namespace Dendritic.Pilot;

/// <summary>
/// Text for the terminal. Much of what the pilot prints comes from users' files (a config's settings, a report's
/// labels, folder and data set names), and a control character in them would reach the terminal as a command: an
/// escape sequence can recolour, move the cursor or clear the screen. Everything printed goes through
/// <see cref="Printable"/>, which shows control characters as <c>\uXXXX</c> instead.
/// </summary>
internal static class ConsoleText
{
    /// <summary>
    /// <paramref name="text"/> with every control character except tab written as a <c>\uXXXX</c> escape (line breaks
    /// too: each message is one line, and a value must not add lines that look like the pilot's own); the text itself
    /// when it has none. Null gives an empty string.
    /// </summary>
    public static string Printable(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (!NeedsEscape(text))
        {
            return text;
        }

        var printable = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (IsEscaped(c))
            {
                printable.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                printable.Append(c);
            }
        }

        return printable.ToString();
    }

    /// <summary>The first <paramref name="max"/> characters of <paramref name="text"/> and "...", or the text when it is no longer.</summary>
    public static string Shorten(string text, int max) => text.Length <= max ? text : text[..max] + "...";

    /// <summary><see cref="Printable"/> text, escaped for Spectre.Console markup.</summary>
    public static string Markup(string? text) => Spectre.Console.Markup.Escape(Printable(text));

    /// <summary>The width, in columns, that the results table needs so that no cell wraps.</summary>
    public const int TableWidth = 180;

    /// <summary>
    /// Gives <paramref name="console"/> <see cref="TableWidth"/> columns when its output is redirected (a file, a pipe,
    /// a CI log), where Spectre.Console cannot ask the terminal and assumes 80, which wraps the results table into
    /// fragments of a few characters per line. A terminal keeps its own width.
    /// </summary>
    /// <param name="console">The console that prints the table.</param>
    /// <param name="redirected">Whether standard output is redirected (<see cref="Console.IsOutputRedirected"/>).</param>
    public static void WidenWhenRedirected(Spectre.Console.IAnsiConsole console, bool redirected)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (redirected && console.Profile.Width < TableWidth)
        {
            console.Profile.Width = TableWidth;
        }
    }

    /// <summary>Writes <c>error: </c> and the message, printable, as one line of standard error.</summary>
    public static void Error(string message) => Console.Error.WriteLine("error: " + Printable(message));

    private static bool NeedsEscape(string text)
    {
        foreach (var c in text)
        {
            if (IsEscaped(c))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsEscaped(char c) => char.IsControl(c) && c != '\t';
}
