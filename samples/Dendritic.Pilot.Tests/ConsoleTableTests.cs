using System;
using System.IO;
using System.Linq;
using Dendritic.Experiments;
using FluentAssertions;
using NUnit.Framework;
using Spectre.Console;

namespace Dendritic.Pilot.Tests;

/// <summary>The notes under the pilot's console table.</summary>
[TestFixture]
public sealed class ConsoleTableTests
{
    private IAnsiConsole _saved = null!;
    private StringWriter _output = null!;

    [SetUp]
    public void CaptureConsole()
    {
        _saved = AnsiConsole.Console;
        _output = new StringWriter();
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(_output) });
        AnsiConsole.Console.Profile.Width = 400;
    }

    [TearDown]
    public void RestoreConsole()
    {
        AnsiConsole.Console = _saved;
        _output.Dispose();
    }

    [Test]
    public void Print_DendriticArmWithoutSetsOnOneSeed_NotesThatSeed()
    {
        ConsoleTable.Print(Report(setsBySeed: new[] { 2, 0, 1 }));

        _output.ToString().Should().Contain("Note: on 1 of 3 seeds (2) the dendritic arm kept no dendrite set");
    }

    [Test]
    public void Print_DendriticArmWithSetsOnEverySeed_HasNoSuchNote()
    {
        ConsoleTable.Print(Report(setsBySeed: new[] { 2, 1, 1 }));

        _output.ToString().Should().NotContain("kept no dendrite set");
    }

    private static ExperimentReport Report(int[] setsBySeed)
    {
        var runs = setsBySeed.SelectMany((sets, i) => new[] { Run(ArmKind.Baseline, i + 1, 0, 0.90 + (0.001 * i)), Run(ArmKind.Dendritic, i + 1, sets, 0.91 + (0.002 * i)) }).ToList();

        // Merged alone, for the summaries that the harness builds (ReportSummaries is internal).
        return ReportMerger.Merge(new[]
        {
            new ExperimentReport
            {
                FinishedUtc = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero),
                Data = "hand-made",
                MetricName = "accuracy",
                Seeds = Enumerable.Range(1, setsBySeed.Length).ToArray(),
                Width = 8,
                Recipe = new TrainingRecipe(),
                Growth = "by hand",
                Device = "cpu",
                Machine = "test",
                Runs = runs,
                Summaries = Array.Empty<ArmSummary>(),
            },
        });
    }

    private static RunResult Run(ArmKind arm, int seed, int sets, double test) => new()
    {
        Arm = arm,
        Seed = seed,
        Width = 8,
        Epochs = 3,
        BestEpoch = 2,
        BestValidationMetric = test,
        TestMetric = test,
        Parameters = 6_370,
        FlopsPerSample = 12_650,
        TrainingSeconds = 1,
        LatencyMilliseconds = 0.5,
        LatencyBatchSize = 256,
        EnergySource = "not measured: test",
        DendriteCount = sets,
        Curve = Array.Empty<EpochRecord>(),
    };
}
