using System;
using System.Collections.Generic;
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
public sealed class GrowthStateFromCheckpointTests
{
    private TempFolder _temp = null!;

    [SetUp]
    public void SetUp()
    {
        manual_seed(11);
        _temp = new TempFolder();
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

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
        var scheduler = GrowthScheduler.Resume(loaded, path, state!.Options! with { CandidateLosses = () => new[] { nn.functional.mse_loss(model.call(x), y) } });
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

        var act = () => GrowthScheduler.Resume(loaded, path);

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
        var path = _temp.File("plain.ckpt");
        DendriteCheckpoint.Save(handle, path);

        GrowthSchedulerState.FromCheckpoint(DendriteCheckpoint.Load(TestModels.TanhMlp(), path)).Should().BeNull();
    }

    [Test]
    public void FromCheckpoint_StateThatIsNotJson_ThrowsCheckpointCorruptedNamingTheKey()
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp());
        var path = _temp.File("edited.ckpt");
        DendriteCheckpoint.Save(handle, path, new Dictionary<string, string> { [GrowthScheduler.StateExtrasKey] = "{ \"Validations\": \"many\" }" });
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        var read = () => GrowthSchedulerState.FromCheckpoint(loaded);
        var resume = () => GrowthScheduler.Resume(loaded, path);

        read.Should().Throw<CheckpointCorruptedException>().WithMessage($"*'{GrowthScheduler.StateExtrasKey}'*not a scheduler state*")
            .WithInnerException<System.Text.Json.JsonException>();
        resume.Should().Throw<CheckpointCorruptedException>();
    }

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
        var path = _temp.File("cascade.ckpt");
        scheduler.SaveCheckpoint(path);
        return path;
    }
}
