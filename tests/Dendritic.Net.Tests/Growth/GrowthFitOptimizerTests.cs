using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// Which optimizer <see cref="GrowthScheduler.Fit"/> trains with across calls, resumes and completions, and saving a
/// checkpoint with an optimizer at the epoch that completes a run. A review found a Fit that kept an optimizer which
/// had refused the saved state, one that trained on after the model was changed through the handle, one that built
/// and loaded an optimizer for a run that was already complete, and loops that save every epoch throwing at the last.
/// </summary>
[TestFixture]
public sealed class GrowthFitOptimizerTests : TempFolderTest
{
    private const int StepsPerEpoch = 5;

    /// <summary>Completes by RetriesExhausted at the fourth score of 1, 2, 3, 4: grows at 2, retries at 3, removes the set at 4.</summary>
    private static GrowthOptions EagerRules => new()
    {
        Mode = ScoreMode.Minimize,
        PlateauAtPatience = false,
        PatienceAgainstCycleBest = false,
        FirstScoreIsBest = true,
        Patience = 0,
        MaxRetries = 1,
    };

    [SetUp]
    public void SeedRandom() => manual_seed(17);

    [Test]
    public void Fit_FactoryRefusesTheSavedState_ThrowsThenTheNextFitLoadsItIntoTheCorrectedOne()
    {
        var path = SaveAfterOneAdamEpoch();
        var fresh = TestModels.TanhMlp();
        var resumed = GrowthScheduler.Resume(DendriteCheckpoint.Load(fresh, path));
        var refused = new List<RecordingSgd>();

        var wrong = () => resumed.Fit(1, d => Keep(refused, new RecordingSgd(d.TrainableParameters, 0.1)), (_, o) => Train(fresh, o), e => e);

        wrong.Should().Throw<CheckpointMismatchException>();
        refused.Should().ContainSingle().Which.Disposed.Should().BeTrue("an optimizer that refused the state is never used");
        resumed.Optimizer.Should().BeNull();
        resumed.History.Entries.Should().HaveCount(1, "no epoch ran");

        resumed.Fit(1, d => optim.Adam(d.TrainableParameters, d.LearningRate ?? 0.01), (_, o) => Train(fresh, o), e => e);

        ((Adam.State)((Adam)resumed.Optimizer!).state_dict().State[0]).step.Should().Be(2 * StepsPerEpoch, "the corrected optimizer goes on from the saved state");
    }

    [Test]
    public void Fit_ResumedFromACompletedCheckpoint_ReturnsAtOnceWithoutCallingTheFactory()
    {
        var model = TestModels.TanhMlp();
        var scheduler = new GrowthScheduler(Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 }), new GrowthOptions { Patience = 50 });
        scheduler.Fit(2, d => optim.Adam(d.TrainableParameters, 0.01), (_, o) => Train(model, o), e => e);
        scheduler.Finish();
        var path = Temp.File("done.dndt");
        scheduler.SaveCheckpoint(path, optimizer: scheduler.Optimizer);
        var resumed = GrowthScheduler.Resume(DendriteCheckpoint.Load(TestModels.TanhMlp(), path));
        var calls = 0;

        var result = resumed.Fit(5, d => { calls++; return optim.Adam(d.TrainableParameters, 0.01); }, (_, _) => calls++, _ => { calls++; return 0; });

        calls.Should().Be(0, "a completed run builds, trains and validates nothing");
        result.Epochs.Should().Be(0);
        result.IsCompleted.Should().BeTrue();
        result.LastDecision.Should().BeNull();
        result.BestScore.Should().Be(resumed.BestScore);
        resumed.Optimizer.Should().BeNull();
    }

    [TestCase("AddDendrites")]
    [TestCase("RemoveLastDendrites")]
    [TestCase("Prune")]
    [TestCase("SetBaseTrainable")]
    public void Fit_ModelChangedThroughTheHandleBetweenCalls_DisposesTheOldOptimizerAndBuildsOneOverTheModel(string change)
    {
        var handle = Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 2 });
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { Patience = 50 });
        var built = new List<RecordingSgd>();
        scheduler.Fit(1, d => Keep(built, new RecordingSgd(d.TrainableParameters, 0.1)), (_, _) => { }, _ => 1);

        switch (change)
        {
            case "AddDendrites": handle.AddDendrites(); break;
            case "RemoveLastDendrites": handle.RemoveLastDendrites(); break;
            case "Prune": DendritePruner.Prune(handle, new PruningOptions { MaxOutputScale = 1e9 }); break;
            default: handle.SetBaseTrainable(false); break;
        }

        var trainedWith = new List<optim.Optimizer>();
        scheduler.Fit(1, d => Keep(built, new RecordingSgd(d.TrainableParameters, 0.1)), (_, o) => trainedWith.Add(o), _ => 1);

        built.Should().HaveCount(2);
        built[0].Disposed.Should().BeTrue("the scheduler owns the optimizer it replaced");
        trainedWith.Should().ContainSingle().Which.Should().BeSameAs(built[1]);
        built[1].parameters().Should().Equal(handle.TrainableParameters(), ReferenceEquals, "it holds what the model trains now");
    }

    [Test]
    public void Fit_FactoryLeavesSomeParametersOut_GoesOnWithTheSameOptimizer()
    {
        // Compared with what the factory was given, not with what it kept: leaving tensors out is the factory's choice.
        var scheduler = new GrowthScheduler(Dendrites.Wrap(TestModels.TanhMlp(), new WrapOptions { InitialDendrites = 1 }), new GrowthOptions { Patience = 50 });
        var built = new List<RecordingSgd>();

        scheduler.Fit(1, d => Keep(built, new RecordingSgd(d.TrainableParameters.Skip(1), 0.1)), (_, _) => { }, _ => 1);
        scheduler.Fit(1, d => Keep(built, new RecordingSgd(d.TrainableParameters.Skip(1), 0.1)), (_, _) => { }, _ => 1);

        built.Should().ContainSingle();
    }

    [Test]
    public void SaveCheckpoint_EveryEpochWithTheLoopsOptimizer_SavesThroughACompletionThatRemovedSets()
    {
        // A loop that rebuilds after growth only (it stops at completion), saving with the optimizer in hand every
        // epoch: at the completion its optimizer still holds the removed set.
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, EagerRules);
        var optimizer = optim.Adam(handle.TrainableParameters(), 0.01);
        var path = Temp.File("run.dndt");
        GrowthDecision decision = null!;
        var manifests = new List<CheckpointManifest>();
        for (var epoch = 1; epoch <= 4; epoch++)
        {
            Train(model, optimizer);
            decision = scheduler.Step(epoch);
            if (decision.RebuildOptimizer && !decision.IsCompleted)
            {
                optimizer = optim.Adam(decision.TrainableParameters, 0.01);
            }

            manifests.Add(scheduler.SaveCheckpoint(path, optimizer: optimizer));
        }

        decision.Reason.Should().Be(GrowthReason.RetriesExhausted);
        decision.RebuildOptimizer.Should().BeTrue("the completion removed a set");
        handle.DendriteCount.Should().Be(0, "the completion removed the retried set, which the loop's optimizer still holds");
        manifests.Take(3).Should().OnlyContain(m => m.Optimizer != null, "a run in progress saves its optimizer state");
        manifests[3].Optimizer.Should().BeNull("a completed run trains no more, so its optimizer state is not written");
        GrowthScheduler.Resume(DendriteCheckpoint.Load(TestModels.TanhMlp(), path)).IsCompleted.Should().BeTrue();
    }

    [Test]
    public void SaveCheckpoint_AfterFinishWithAnOptimizerOverRemovedSets_WritesTheCheckpointWithoutItsState()
    {
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, EagerRules);
        scheduler.Step(1);
        var grown = scheduler.Step(2);
        var optimizer = optim.Adam(grown.TrainableParameters, 0.01);
        scheduler.Finish();

        var manifest = scheduler.SaveCheckpoint(Temp.File("run.dndt"), optimizer: optimizer);

        handle.DendriteCount.Should().Be(0);
        manifest.Optimizer.Should().BeNull();
    }

    /// <summary>One Fit epoch of <see cref="StepsPerEpoch"/> Adam steps, saved with its state; returns the path.</summary>
    private string SaveAfterOneAdamEpoch()
    {
        var model = TestModels.TanhMlp();
        var scheduler = new GrowthScheduler(Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 }), new GrowthOptions { Patience = 50 });
        scheduler.Fit(1, d => optim.Adam(d.TrainableParameters, d.LearningRate ?? 0.01), (_, o) => Train(model, o), e => e);
        var path = Temp.File("fit.dndt");
        scheduler.SaveCheckpoint(path, optimizer: scheduler.Optimizer);
        return path;
    }

    private static void Train(Sequential model, optim.Optimizer optimizer)
    {
        for (var i = 0; i < StepsPerEpoch; i++)
        {
            QuickTraining.SquareOutputStep(model, optimizer);
        }
    }

    private static T Keep<T>(List<T> built, T optimizer)
    {
        built.Add(optimizer);
        return optimizer;
    }

    /// <summary>An SGD that remembers whether it was disposed.</summary>
    private sealed class RecordingSgd(IEnumerable<Parameter> parameters, double rate) : SGD(parameters, rate)
    {
        public bool Disposed { get; private set; }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
