using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// Reading the saved scheduler state back from a checkpoint, and resuming cascade-correlation with its delegates
/// (found in a newcomer's trial: the docs used a <c>state</c> they never defined).
/// </summary>
[TestFixture]
public sealed class GrowthStateFromCheckpointTests : TempFolderTest
{
    [SetUp]
    public void SeedRandom() => manual_seed(11);

    [Test]
    public void FromCheckpoint_CascadeCorrelationRun_GivesTheRecordedOptionsToResumeWithDelegates()
    {
        using var x = randn(32, 3);
        using var y = randn(32, 2);
        var path = SaveCascadeRun(x, y);

        // The docs' example (growth-scheduler.md, "Checkpoints and resume").
        var model = TestModels.TanhMlp();
        var loaded = DendriteCheckpoint.Load(model, path);
        var state = GrowthSchedulerState.FromCheckpoint(loaded);
        var scheduler = GrowthScheduler.Resume(loaded, state!.Options! with { CandidateLosses = () => new[] { nn.functional.mse_loss(model.call(x), y) } });
        var grown = scheduler.Step(1.0);

        state.Options.Training.Should().Be(DendriteTrainingMode.CascadeCorrelation);
        state.Options.CascadeCorrelation.MaxEpochs.Should().Be(2);
        state.Validations.Should().Be(1);
        GrowthSchedulerState.FromCheckpoint(DendriteCheckpoint.ReadManifest(path))!.Options.Should().Be(state.Options, "the manifest alone gives the same state, before any model is loaded");
        grown.Action.Should().Be(GrowthAction.DendritesAdded);
        grown.CandidateCorrelation.Should().BeGreaterThan(0, "the candidates trained on the losses given back");
    }

    [Test]
    public void Resume_CascadeCorrelationWithoutOptions_SaysDelegatesAreNotSavedAndHowToPassThem()
    {
        using var x = randn(32, 3);
        using var y = randn(32, 2);
        var path = SaveCascadeRun(x, y);
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        var act = () => GrowthScheduler.Resume(loaded);

        var error = act.Should().Throw<InvalidOptionsException>().Which;
        error.OptionNames.Should().Equal(nameof(GrowthOptions.CandidateLosses));
        error.Message.Should().Contain("CandidateLosses = null: is required with Training = CascadeCorrelation")
            .And.Contain("Checkpoints do not save delegates")
            .And.Contain("GrowthSchedulerState.FromCheckpoint(loaded)!.Options! with { CandidateLosses = ");
        error.InnerException.Should().BeOfType<InvalidOptionsException>();
    }

    [Test]
    public void FromCheckpoint_CheckpointWithoutSchedulerState_IsNull()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp());
        var path = Temp.File("plain.ckpt");
        DendriteCheckpoint.Save(handle, path);

        GrowthSchedulerState.FromCheckpoint(DendriteCheckpoint.Load(TestModels.TanhMlp(), path)).Should().BeNull();
    }

    [Test]
    public void FromCheckpoint_StateThatIsNotJson_ThrowsCheckpointCorruptedNamingTheKey()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp());
        var path = Temp.File("edited.ckpt");
        DendriteCheckpoint.Save(handle, path, new Dictionary<string, string> { [GrowthScheduler.StateExtrasKey] = "{ \"Validations\": \"many\" }" });
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        var read = () => GrowthSchedulerState.FromCheckpoint(loaded);
        var resume = () => GrowthScheduler.Resume(loaded);

        read.Should().Throw<CheckpointCorruptedException>().WithMessage($"*'{GrowthScheduler.StateExtrasKey}'*not a scheduler state*")
            .WithInnerException<System.Text.Json.JsonException>();
        resume.Should().Throw<CheckpointCorruptedException>();
    }

    // Found by fuzzing the state in a checkpoint's extras (hashes recomputed): each passed FromCheckpoint, and Resume then
    // threw NullReferenceException or ArgumentNullException, or took an infinite score as the smoothed one.
    [TestCase("FrozenSets[0]", "null", "*'FrozenSets[0]' is null*")]
    [TestCase("FrozenSets", "null", "*FrozenSets*")]
    [TestCase("LayerDendrites", "null", "*LayerDendrites*")]
    [TestCase("History", "null", "*History*")]
    [TestCase("History[0]", "null", "*'History[0]' is null*")]
    [TestCase("History[0].Activations", "[null]", "*'History[0].Activations[0]' is null*")]
    [TestCase("SmoothedScore", "1e400", "*'SmoothedScore' is not a finite number*")]
    [TestCase("History[1].Score", "-1e400", "*'History[1].Score' is not a finite number*")]
    [TestCase("CooldownLeft", "-1", "*'CooldownLeft' is -1*")]
    [TestCase("LayerDendrites[0]", "-1", "*'LayerDendrites[0]' is -1*")]
    [TestCase("Phase", "\"Grown, Completed\"", "*field 'Phase' is not readable*\"Grown, Completed\" is not exactly one of the names of GrowthPhase*")]
    [TestCase("Phase", "\"completed\"", "*field 'Phase' is not readable*not exactly one of the names of GrowthPhase*")]
    [TestCase("Options.Mode", "\"Maximize, Minimize\"", "*field 'Options.Mode' is not readable*not exactly one of the names of ScoreMode*")]
    [TestCase("History[0].Reason", "99", "*field 'History[0].Reason' is not readable*a Number, not one of the names of GrowthReason*")]
    public void FromCheckpoint_StateWithAValueNoSchedulerWrites_ThrowsCorruptedNamingTheField(string field, string json, string expected)
    {
        var path = SaveSteppedRun();
        Edit(path, state => Checkpoints.CheckpointForge.Set(state, field, JsonNode.Parse(json)));
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        var read = () => GrowthSchedulerState.FromCheckpoint(loaded);
        var resume = () => GrowthScheduler.Resume(loaded);

        read.Should().Throw<CheckpointCorruptedException>().WithMessage(expected);
        resume.Should().Throw<CheckpointCorruptedException>();
    }

    [Test]
    public void FromCheckpoint_StateWithAKeyTwice_ThrowsCorrupted()
    {
        var path = SaveSteppedRun();
        Edit(path, state => state, text => text.Replace("\"Validations\":", "\"Validations\":0,\"Validations\":", StringComparison.Ordinal));

        var read = () => GrowthSchedulerState.FromCheckpoint(DendriteCheckpoint.ReadManifest(path));

        read.Should().Throw<CheckpointCorruptedException>().WithMessage("*Validations*");
    }

    [Test]
    public void FromJson_StateAsWritten_ReadsBackEqual()
    {
        // The strict reading takes everything ToJson writes: a stepped run with history, activations and options.
        var path = SaveSteppedRun();
        var state = GrowthSchedulerState.FromCheckpoint(DendriteCheckpoint.ReadManifest(path))!;

        var again = GrowthSchedulerState.FromJson(state.ToJson());

        again.ToJson().Should().Be(state.ToJson());
        again.History.Should().HaveCount(4);
    }

    [TestCase("Memory", null)]
    [TestCase("Disk", "runs/best")]
    public void FromJson_StateWithTheFormerBestWeightsOption_ReadsTheDirectoryAsThatRunUsedIt(string storage, string? expected)
    {
        // Before BestWeightsDirectory alone chose the storage, a run with BestWeights = Memory ignored a directory given.
        var state = JsonNode.Parse(new GrowthScheduler(new FakeGrowthModel(), null, null).ExportState().ToJson())!.AsObject();
        state["Options"]!["BestWeights"] = storage;
        state["Options"]!["BestWeightsDirectory"] = "runs/best";

        var read = GrowthSchedulerState.FromJson(state.ToJsonString());

        read.Options!.BestWeightsDirectory.Should().Be(expected);
    }

    [Test]
    public void FromJson_FormerBestWeightsOptionOfNeitherKind_ThrowsNamingTheField()
    {
        var state = JsonNode.Parse(new GrowthScheduler(new FakeGrowthModel(), null, null).ExportState().ToJson())!.AsObject();
        state["Options"]!["BestWeights"] = "Cloud";
        state["Options"]!["BestWeightsDirectory"] = "runs/best";

        var act = () => GrowthSchedulerState.FromJson(state.ToJsonString());

        act.Should().Throw<System.Text.Json.JsonException>().WithMessage("*field 'Options.BestWeights' is \"Cloud\", not \"Memory\" or \"Disk\"*");
    }

    [Test]
    public void FromJson_FormerBestWeightsOptionOfNeitherKindWithoutDirectory_ThrowsNamingTheField()
    {
        // Without a directory the value would change nothing, but no version wrote it: corruption all the same.
        var state = JsonNode.Parse(new GrowthScheduler(new FakeGrowthModel(), null, null).ExportState().ToJson())!.AsObject();
        state["Options"]!["BestWeights"] = "Cloud";
        state["Options"]!.AsObject().Remove("BestWeightsDirectory");

        var act = () => GrowthSchedulerState.FromJson(state.ToJsonString());

        act.Should().Throw<System.Text.Json.JsonException>().WithMessage("*field 'Options.BestWeights' is \"Cloud\", not \"Memory\" or \"Disk\"*");
    }

    [Test]
    public void FromJson_StateWrittenBeforeTheThresholdRename_ReadsItsLowLearningRateValue()
    {
        // The option was LowLearningRateWarning until its rename; the state keeps that name, so older states read.
        var state = JsonNode.Parse(new GrowthScheduler(new FakeGrowthModel(), null, null).ExportState().ToJson())!.AsObject();
        state["Options"]!["LowLearningRateWarning"] = 0.003;

        var read = GrowthSchedulerState.FromJson(state.ToJsonString());

        read.Options!.LowLearningRateThreshold.Should().Be(0.003);
    }

    [Test]
    public void ToJson_Options_WritesTheThresholdUnderItsFormerName()
    {
        var options = new GrowthOptions { LowLearningRateThreshold = 0.002 };
        var state = new GrowthSchedulerState { Options = options };

        var written = JsonNode.Parse(state.ToJson())!["Options"]!.AsObject();

        written.ContainsKey("LowLearningRateThreshold").Should().BeFalse();
        written["LowLearningRateWarning"]!.GetValue<double>().Should().Be(0.002);
        GrowthSchedulerState.FromJson(state.ToJson()).Options!.Should().Be(options);
    }

    private string SaveSteppedRun() => SteppedRun.Save(Temp.File("stepped.ckpt"));

    private static void Edit(string path, Func<JsonObject, JsonObject> change, Func<string, string>? text = null) => SteppedRun.Edit(path, change, text);

    private static void Edit(string path, Action<JsonObject> change) => SteppedRun.Edit(path, change);

    /// <summary>A cascade-correlation run stopped after its first validation; returns the checkpoint's path.</summary>
    private string SaveCascadeRun(Tensor x, Tensor y)
    {
        var model = TestModels.TanhMlp();
        var options = ClassicRules.Options with
        {
            Patience = 0,
            Training = DendriteTrainingMode.CascadeCorrelation,
            CascadeCorrelation = new CascadeCorrelationOptions { MaxEpochs = 2 },
            CandidateLosses = () => new[] { nn.functional.mse_loss(model.call(x), y) },
        };
        var scheduler = new GrowthScheduler(Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 }), options);
        scheduler.Step(1.0);
        var path = Temp.File("cascade.ckpt");
        scheduler.SaveCheckpoint(path);
        return path;
    }
}
