using System.Collections.Generic;
using System.Text.Json;

namespace Dendritic.Pilot;

/// <summary>
/// A pilot run's <c>config.json</c>: every setting (<see cref="Options"/>, all of <see cref="PilotOptions"/>'
/// settable properties, whatever they are), the SHA-256 of the data files, and what the run was (arms, seeds, recipe,
/// growth rules, versions; read back but never used). <c>--config FILE</c> reruns it (docs/pilot.md).
/// </summary>
public sealed record PilotConfig
{
    /// <summary>The format this program writes and reads.</summary>
    public const string CurrentFormat = "dendritic-pilot-config/1";

    /// <summary>Format name and version. Default <see cref="CurrentFormat"/>.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>Every setting; keys left out take their default.</summary>
    public required PilotOptions Options { get; init; }

    /// <summary>The data files the run read, with their SHA-256; an empty list skips the check on rerun.</summary>
    public required IReadOnlyList<PilotDataFile> Data { get; init; }

    /// <summary>What the run was, for the reader: arms, seeds, recipe, growth rules, versions, machine. Not read back.</summary>
    public JsonElement? Recorded { get; init; }
}
