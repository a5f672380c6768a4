using System.Collections.Generic;

namespace Dendritic.Pilot;

/// <summary>The outcome of parsing the pilot's command line.</summary>
/// <param name="Options">The settings; null when there were errors or help was asked for.</param>
/// <param name="Errors">What is wrong with the command line, one message each; empty when it is fine.</param>
/// <param name="HelpOrVersion">Whether --help or --version was given (the parser prints it).</param>
/// <param name="Config">The --config file the settings came from; null without one.</param>
public sealed record PilotParse(PilotOptions? Options, IReadOnlyList<string> Errors, bool HelpOrVersion, PilotConfig? Config = null)
{
    /// <summary>Options that were given but change nothing in this run (they belong to another dendrite mode), one line each.</summary>
    public IReadOnlyList<string> Notes { get; init; } = System.Array.Empty<string>();
}
