using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Dendritic.Experiments.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Results;

/// <summary>
/// <see cref="RunResult.DendriteCount"/> and <see cref="LayerActivationStats.DendriteCount"/> keep the names
/// <c>report.json</c> was written with (<c>DendritesPerLayer</c>, <c>DendriteSets</c>), so saved reports still read
/// and merge.
/// </summary>
[TestFixture]
public sealed class ReportDendriteCountTests
{
    [Test]
    public void ToJson_DendriteCounts_AreWrittenUnderTheFileNames()
    {
        var report = HandMadeReport.For(1);
        var dendritic = report.Runs.Single(r => r.Arm == ArmKind.Dendritic);
        var curve = dendritic.Curve.Select(e => e with { Activations = new[] { new LayerActivationStats { Layer = "fc1", DendriteCount = 2 } } }).ToList();
        var edited = report with { Runs = report.Runs.Select(r => r == dendritic ? r with { DendriteCount = 2, Curve = curve } : r).ToList() };

        var json = ReportWriter.ToJson(edited);

        using var document = JsonDocument.Parse(json);
        var run = document.RootElement.GetProperty("Runs").EnumerateArray().Single(r => r.GetProperty("Arm").GetString() == nameof(ArmKind.Dendritic));
        run.GetProperty("DendritesPerLayer").GetInt32().Should().Be(2);
        run.TryGetProperty("DendriteCount", out _).Should().BeFalse();
        run.GetProperty("Curve")[0].GetProperty("Activations")[0].GetProperty("DendriteSets").GetInt32().Should().Be(2);
        var read = ReportWriter.FromJson(json).Runs.Single(r => r.Arm == ArmKind.Dendritic);
        read.DendriteCount.Should().Be(2);
        read.Curve.Should().AllSatisfy(e => e.Activations!.Single().DendriteCount.Should().Be(2));
    }

    [Test]
    public void FromJson_CommittedPilotReport_ReadsTheDendriteCounts()
    {
        // A report.json the pilot wrote before the properties were renamed.
        var path = Path.Combine(RepoPaths.PilotData, "..", "results", "h200-encoder-2026-11-29", "report.json");

        var report = ReportWriter.FromJson(File.ReadAllText(path));

        report.Runs.Where(r => r.Arm == ArmKind.Dendritic).Should().NotBeEmpty().And.OnlyContain(r => r.DendriteCount > 0);
        report.Runs.Where(r => r.Arm == ArmKind.Baseline).Should().OnlyContain(r => r.DendriteCount == 0);
        report.Runs.SelectMany(r => r.Curve).SelectMany(e => e.Activations ?? Array.Empty<LayerActivationStats>())
            .Should().NotBeEmpty().And.OnlyContain(a => a.DendriteCount > 0);
    }
}
