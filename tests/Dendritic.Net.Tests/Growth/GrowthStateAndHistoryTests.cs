using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Growth;

[TestFixture]
public sealed class GrowthStateAndHistoryTests
{
    // Growth, improvement, cooldown, a failed growth with retry, then completion.
    private static readonly double[] Scores = { 1, 1.2, 1.2, 1.2, 1.5, 1.6, 1.6, 1.6, 1.6, 1.6, 1.6, 1.6, 1.7, 1.7, 1.7, 1.7, 1.7, 1.7, 1.7, 1.7, 1.7, 1.7 };

    private static readonly GrowthOptions Options = ClassicRules.Options with { Patience = 1, Cooldown = 1, MaxRetries = 1, Smoothing = 0.3, RelativeThreshold = 0.05 };

    [TestCase(3, false)]
    [TestCase(7, false)]
    [TestCase(12, false)]
    [TestCase(1, true)]
    [TestCase(6, true)]
    [TestCase(9, true)]
    public void ImportState_AfterStop_MakesTheSameDecisionsAsAnUninterruptedRun(int stopAfter, bool defaultRules)
    {
        // The default rules also carry the cycle's best and the skipped first score across the resume.
        var options = defaultRules ? new GrowthOptions { Patience = 2, MaxRetries = 1 } : Options;
        var straight = Replay(Scores.Length, options);

        var firstModel = new FakeGrowthModel();
        var first = new GrowthScheduler(firstModel, options, null);
        var before = Decide(firstModel, first, 0, stopAfter, out _);
        var json = first.ExportState().ToJson();
        var bestPath = Path.GetTempFileName();
        first.SaveBestWeights(bestPath);

        var resumedModel = new FakeGrowthModel { Version = firstModel.Version };
        for (var i = 0; i < firstModel.DendriteCount; i++)
        {
            resumedModel.AddDendrites();
        }

        var resumed = new GrowthScheduler(resumedModel, options, null);
        resumed.ImportState(GrowthSchedulerState.FromJson(json));
        resumed.LoadBestWeights(bestPath);
        var after = Decide(resumedModel, resumed, stopAfter, Scores.Length, out _);
        File.Delete(bestPath);

        Summaries(before.Concat(after)).Should().Equal(Summaries(straight));
        resumed.History.ToCsv().Should().Be(StraightScheduler!.History.ToCsv());
    }

    private static GrowthScheduler? StraightScheduler;

    private static List<GrowthDecision> Replay(int count, GrowthOptions? options = null)
    {
        var model = new FakeGrowthModel();
        StraightScheduler = new GrowthScheduler(model, options ?? Options, null);
        return Decide(model, StraightScheduler, 0, count, out _);
    }

    private static List<GrowthDecision> Decide(FakeGrowthModel model, GrowthScheduler scheduler, int from, int to, out int steps)
    {
        var decisions = new List<GrowthDecision>();
        steps = 0;
        for (var i = from; i < to && !scheduler.IsCompleted; i++)
        {
            model.Train();
            decisions.Add(scheduler.Step(Scores[i], 0.01, TimeSpan.FromSeconds(1)));
            steps++;
        }

        return decisions;
    }

    private static IEnumerable<string> Summaries(IEnumerable<GrowthDecision> decisions) =>
        decisions.Select(d => $"{d.Validation}:{d.Action}:{d.Reason}:{d.DendriteCount}:{d.BestScore:R}:{d.SmoothedScore:R}:{d.BadValidations}:{d.Retries}");

    [Test]
    public void Replay_Sequence_GrowsRetriesAndCompletes()
    {
        var decisions = Replay(Scores.Length);

        // F I N G I N I N G C N R I N G C N R C N X, worked out by hand with smoothing 0.3 and a 5 % threshold.
        string.Concat(decisions.Select(d => d.Reason switch
        {
            GrowthReason.FirstScore => "F",
            GrowthReason.Improved => "I",
            GrowthReason.NoImprovement => "N",
            GrowthReason.Grew => "G",
            GrowthReason.Cooldown => "C",
            GrowthReason.Retried => "R",
            GrowthReason.RetriesExhausted => "X",
            _ => "?",
        })).Should().Be("FINGININGCNRINGCNRCNX");
        decisions[^1].Action.Should().Be(GrowthAction.Completed);
    }

    [Test]
    public void ImportState_StructureMismatch_ThrowsNamingBothShapes()
    {
        var model = new FakeGrowthModel();
        var scheduler = new GrowthScheduler(model, ClassicRules.Options with { Patience = 0 }, null);
        scheduler.Step(1);
        scheduler.Step(1);
        var state = scheduler.ExportState();

        var fresh = new GrowthScheduler(new FakeGrowthModel(), ClassicRules.Options with { Patience = 0 }, null);
        var act = () => fresh.ImportState(state);

        act.Should().Throw<ArgumentException>().WithMessage("*[1]*[0]*");
    }

    [Test]
    public void History_CsvAndSvg_HaveOneRowPerValidationAndMarkGrowth()
    {
        var model = new FakeGrowthModel();
        var scheduler = new GrowthScheduler(model, ClassicRules.Options with { Patience = 0 }, null);
        scheduler.Step(0.5, 0.1, TimeSpan.FromSeconds(2));
        scheduler.Step(0.5, 0.1, TimeSpan.FromSeconds(2.5));
        scheduler.Step(0.75);

        var csv = scheduler.History.ToCsv().TrimEnd('\n').Split('\n');
        csv[0].Should().Be(GrowthHistory.CsvHeader);
        csv.Should().HaveCount(4);
        csv[1].Should().Be("1,0.5,0.5,0.5,Initial,NoChange,FirstScore,0.1,0,100,2,,,,");
        csv[2].Should().Be("2,0.5,0.5,0.5,Initial,DendritesAdded,Grew,0.1,0,100,2.5,,,,");
        csv[3].Should().Be("3,0.75,0.75,0.75,Grown,NoChange,Improved,,1,110,,,,,");

        var svg = scheduler.History.ToSvg();
        svg.Should().StartWith("<svg").And.Contain("<circle").And.Contain("Learning rate").And.EndWith("</svg>\n");
        var path = Path.Combine(Path.GetTempPath(), $"growth-{Guid.NewGuid():N}.svg");
        scheduler.History.WriteSvg(path);
        File.ReadAllText(path).Should().Be(svg);
        File.Delete(path);
    }

    [Test]
    public void WriteCsv_OverAFileAReaderHasOpen_ReplacesItWhole()
    {
        using var temp = new TempFolder();
        var scheduler = new GrowthScheduler(new FakeGrowthModel(), ClassicRules.Options, null);
        scheduler.Step(0.5);
        var path = temp.File("history.csv");
        File.WriteAllText(path, "old history\n");
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        scheduler.History.WriteCsv(path);

        new StreamReader(reader).ReadToEnd().Should().Be("old history\n", "the file is replaced by a rename, not rewritten in place under the reader");
        File.ReadAllText(path).Should().Be(scheduler.History.ToCsv());
        Directory.GetFiles(temp.Path).Should().ContainSingle("no temporary is left behind");
    }

    [Test]
    public void State_JsonRoundTrip_KeepsEveryField()
    {
        var model = new FakeGrowthModel();
        var scheduler = new GrowthScheduler(model, ClassicRules.Options with { Patience = 0, Cooldown = 2 }, null);
        scheduler.Step(1, 0.1);
        scheduler.Step(1, 0.1);

        var state = scheduler.ExportState();
        var copy = GrowthSchedulerState.FromJson(state.ToJson());

        copy.ToJson().Should().Be(state.ToJson());
        copy.Phase.Should().Be(GrowthPhase.Grown);
        copy.CooldownLeft.Should().Be(2);
        copy.History.Should().HaveCount(2);
        state.ToJson().Should().Contain("\"Grown\"");
    }
}
