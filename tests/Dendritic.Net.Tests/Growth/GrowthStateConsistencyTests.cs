using System;
using System.Text.Json.Nodes;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// A scheduler state in a checkpoint whose fields each read, but contradict each other or the recorded options (found
/// by a reviewer's hostile checkpoints, hashes recomputed): Resume blamed the caller for them (ArgumentException,
/// InvalidOptionsException), resumed a run that never grew again or whose next Step wrapped a counter to a negative
/// value, and took fields no version writes without a word. Each is now the file's corruption, naming the file, the
/// field and its value.
/// </summary>
[TestFixture]
public sealed class GrowthStateConsistencyTests : TempFolderTest
{
    [SetUp]
    public void SeedRandom() => manual_seed(11);

    // The saved run: 4 validations, every counter 0, one set per layer, patience 1 (plateau above it), cooldown 0,
    // 2 retries.
    [TestCase("Version", "2", "*'Version' is 2; this library writes and reads version 1 only*")]
    [TestCase("FrozenSets", "[[false,false],[false]]", "*'FrozenSets[0]' has 2 flag(s) but LayerDendrites[0] is 1*")]
    [TestCase("FrozenSets", "[[false]]", "*'FrozenSets' has 1 list(s) of frozen flags but LayerDendrites has 2 layer(s)*")]
    [TestCase("BestScore", "null", "*'BestScore' is null after 4 validations*")]
    [TestCase("Options.Patience", "-1", "*'Options.Patience' is -1, which no scheduler runs with: it must be at least 0*")]
    [TestCase("Options.Smoothing", "1", "*'Options.Smoothing' is 1, which no scheduler runs with: it must be in [0, 1)*")]
    [TestCase("Options.RelativeThreshold", "1e400", "*'Options.RelativeThreshold' is Infinity*")]
    [TestCase("Options.RelativeThresholdByDendrites", "[1e400]", "*'Options.RelativeThresholdByDendrites[0]' is Infinity*")]
    [TestCase("Validations", "2147483647", "*'Validations' is 2147483647; a scheduler counts at most 2147483646*")]
    [TestCase("SinceChange", "5", "*'SinceChange' is 5, more than 4 (Validations*")]
    [TestCase("CooldownLeft", "2147483647", "*'CooldownLeft' is 2147483647, more than 0 (Options.Cooldown*")]
    [TestCase("Retries", "4", "*'Retries' is 4, more than 3 (Options.MaxRetries + 1*")]
    [TestCase("BadValidations", "3", "*'BadValidations' is 3, more than 2 (Options.Patience + 1*")]
    public void FromCheckpoint_StateThatContradictsItself_ThrowsCorruptedNamingFileFieldAndValue(string field, string json, string expected)
    {
        var path = SteppedRun.Save(Temp.File("doctored.dndt"));
        SteppedRun.Edit(path, state => Checkpoints.CheckpointForge.Set(state, field, JsonNode.Parse(json)));
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        var read = () => GrowthSchedulerState.FromCheckpoint(loaded);
        var resume = () => GrowthScheduler.Resume(loaded);

        read.Should().Throw<CheckpointCorruptedException>().WithMessage($"Checkpoint '{loaded.Path}' is corrupted*").WithMessage(expected);
        resume.Should().Throw<CheckpointCorruptedException>().WithMessage(expected, "Resume reads the state through FromCheckpoint, before the options or the model");
    }

    [Test]
    public void Resume_RecordedOptionsInvalidAndOptionsGiven_ThrowsCorruptedNotInvalidOptions()
    {
        // The caller's options are fine; the recorded ones are what is wrong, so the caller must not be told to fix theirs.
        var path = SteppedRun.Save(Temp.File("doctored.dndt"));
        SteppedRun.Edit(path, state => state["Options"]!["Patience"] = -1);
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        var act = () => GrowthScheduler.Resume(loaded, ClassicRules.Options with { Patience = 1 });

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*'Options.Patience' is -1*");
    }

    [TestCase("Bogus", "*'Bogus'*")]
    [TestCase("Options.Bogus", "*'Options.Bogus'*")]
    [TestCase("History[0].Bogus", "*'History[0].Bogus'*")]
    public void FromCheckpoint_StateWithAFieldNoVersionWrote_ThrowsCorruptedNamingIt(string field, string expected)
    {
        var path = SteppedRun.Save(Temp.File("doctored.dndt"));
        SteppedRun.Edit(path, state => Checkpoints.CheckpointForge.Set(state, field, 1));

        var read = () => GrowthSchedulerState.FromCheckpoint(DendriteCheckpoint.ReadManifest(path));

        read.Should().Throw<CheckpointCorruptedException>().WithMessage(expected);
    }

    [Test]
    public void FromCheckpoint_FirstScoreNotBestAfterOneValidation_ReadsWithoutABestAndResumes()
    {
        // Without FirstScoreIsBest the first validation leaves no best score: not corruption.
        var scheduler = new GrowthScheduler(Dendrites.Wrap(TestModels.TanhMlp()), new GrowthOptions { FirstScoreIsBest = false });
        scheduler.Step(0.5);
        var path = Temp.File("first.dndt");
        scheduler.SaveCheckpoint(path);
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        var state = GrowthSchedulerState.FromCheckpoint(loaded)!;
        var resumed = GrowthScheduler.Resume(loaded);

        state.BestScore.Should().BeNull();
        resumed.Step(0.6).Reason.Should().Be(GrowthReason.FirstScore, "the second validation is the first counted one");
    }

    [Test]
    public void FromJson_StateWithTheMostValidationsAScheduleCounts_ReadsBack()
    {
        // Every state a scheduler can write reads back: Step stops counting at the bound the reader holds to.
        var json = new GrowthSchedulerState { Validations = int.MaxValue - 1, SinceChange = 1, BestScore = 0.5, Options = GrowthOptions.Default }.ToJson();

        GrowthSchedulerState.FromJson(json).Validations.Should().Be(int.MaxValue - 1);
    }

    [Test]
    public void Step_AtTheMostValidationsAScheduleCounts_ThrowsInsteadOfWrapping()
    {
        var scheduler = new GrowthScheduler(new FakeGrowthModel(), null, null);
        scheduler.ImportState(new GrowthSchedulerState { Validations = int.MaxValue - 1, SinceChange = 1, BestScore = 0.5, Options = GrowthOptions.Default, LayerDendrites = [0], FrozenSets = [[]] });

        var act = () => scheduler.Step(0.5);

        act.Should().Throw<InvalidOperationException>().WithMessage("*counted 2147483646 validations, the most a scheduler counts*Finish*");
        scheduler.ExportState().Validations.Should().Be(int.MaxValue - 1, "nothing was counted");
    }

    [Test]
    public void Decide_CounterAtIntMax_ThrowsOverflowInsteadOfWrapping()
    {
        var act = () => GrowthPolicy.Decide(new GrowthPolicyState { Validations = int.MaxValue, SinceChange = 1, Best = 0.5 }, 0.5, null, 0, GrowthOptions.Default);

        act.Should().Throw<OverflowException>();
    }
}
