using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using Dendritic.Experiments;

namespace Dendritic.Pilot;

/// <summary>What a pilot run was, as config.json records it for the reader (never read back).</summary>
public sealed record PilotRunRecord
{
    /// <summary>When the report was finished (UTC).</summary>
    public required DateTimeOffset FinishedUtc { get; init; }

    /// <summary>Dendritic.Net's version (informational, with the commit when the build knows it).</summary>
    public required string Library { get; init; }

    /// <summary>TorchSharp's version.</summary>
    public required string TorchSharp { get; init; }

    /// <summary>The .NET runtime and the operating system.</summary>
    public required string Runtime { get; init; }

    /// <summary>The machine, as the report describes it.</summary>
    public required string Machine { get; init; }

    /// <summary>The data set's name.</summary>
    public required string Data { get; init; }

    /// <summary>The arms run, in order.</summary>
    public required IReadOnlyList<ArmKind> Arms { get; init; }

    /// <summary>The seeds run.</summary>
    public required IReadOnlyList<int> Seeds { get; init; }

    /// <summary>The training recipe every arm shared.</summary>
    public required TrainingRecipe Recipe { get; init; }

    /// <summary>The dendritic arm's growth rules, in words (every option the policy used).</summary>
    public required string Growth { get; init; }

    /// <summary>The record of <paramref name="report"/>.</summary>
    /// <param name="report">The finished report.</param>
    /// <returns>The record.</returns>
    public static PilotRunRecord From(ExperimentReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new PilotRunRecord
        {
            FinishedUtc = report.FinishedUtc,
            Library = Version(typeof(Dendrites).Assembly),
            TorchSharp = Version(typeof(TorchSharp.torch).Assembly),
            Runtime = $"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}",
            Machine = report.Machine,
            Data = report.Data,
            Arms = report.Summaries.Select(s => s.Arm).ToList(),
            Seeds = report.Seeds,
            Recipe = report.Recipe,
            Growth = report.Growth,
        };
    }

    private static string Version(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "unknown";
}
