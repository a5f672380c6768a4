using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Dendritic.Testing;

namespace Dendritic.Tests.Growth;

/// <summary>
/// What trains, and the optimizer state, across <see cref="GrowthScheduler.SaveCheckpoint"/> and
/// <see cref="GrowthScheduler.Resume"/>. A newcomer's trial resumed a run with frozen hosts whose hosts then trained
/// (15 trainable tensors before, 27 after, and the saved optimizer state refused with TorchSharp's bare "different
/// number of states"), and, with the optimizer state in a file of its own written after the checkpoint, a kill between
/// the two writes resumed checkpoint 7 with optimizer state 6 without a word.
/// </summary>
[TestFixture]
public sealed class ResumeOptimizerStateTests : TempFolderTest
{
    [SetUp]
    public void SeedRandom() => manual_seed(13);

    [Test]
    public void Resume_HostsFrozenBeforeAGrowth_KeepsThemFrozenAndTheSavedOptimizerStateLoads()
    {
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        handle.SetBaseTrainable(false);
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { Trigger = GrowthTrigger.EveryValidation, MaxDendrites = 3 });
        var optimizer = torch.optim.Adam(handle.TrainableParameters(), 0.01);
        Train(model, optimizer);
        scheduler.Step(0.5);
        Train(model, optimizer);
        var decision = scheduler.Step(0.6);
        decision.Action.Should().Be(GrowthAction.DendritesAdded);
        optimizer = torch.optim.Adam(decision.TrainableParameters, 0.01);
        Train(model, optimizer);
        var trainable = QuickTraining.ParameterNames(model);
        var path = Temp.File("frozen.dndt");
        scheduler.SaveCheckpoint(path, optimizer: optimizer);

        var fresh = TestModels.TanhMlp();
        var loaded = DendriteCheckpoint.Load(fresh, path);
        GrowthScheduler.Resume(loaded);
        var resumed = torch.optim.Adam(loaded.Handle.TrainableParameters(), 0.5);
        DendriteCheckpoint.LoadOptimizerState(loaded, resumed);

        QuickTraining.ParameterNames(fresh).Should().Equal(trainable);
        fresh.named_parameters().Single(p => p.name == "fc1.weight").parameter.requires_grad.Should().BeFalse("the hosts were frozen when saved");
        Train(model, optimizer);
        Train(fresh, resumed);
        TensorAssert.CloseParameters(fresh, model, 1e-6, "the resumed run trains what the saved one trained, with its optimizer state");
    }

    [Test]
    public void SaveCheckpoint_KilledWhileWritingTheOptimizerState_LeavesThePreviousCheckpointWithItsOwnState()
    {
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { Patience = 50 });
        var optimizer = new FailingAdam(handle.TrainableParameters());
        var path = Temp.File("run.dndt");
        for (var epoch = 1; epoch <= 6; epoch++)
        {
            Train(model, optimizer);
            scheduler.Step(epoch);
        }

        scheduler.SaveCheckpoint(path, optimizer: optimizer);
        using var atSave = model.parameters().First().detach().clone();
        Train(model, optimizer);
        scheduler.Step(7);

        // The weights of the 7th epoch are written, then the process dies writing the optimizer state.
        optimizer.Fail = true;
        var save = () => scheduler.SaveCheckpoint(path, optimizer: optimizer);
        save.Should().Throw<IOException>().WithMessage("injected*");

        var fresh = TestModels.TanhMlp();
        var loaded = DendriteCheckpoint.Load(fresh, path);
        var resumed = GrowthScheduler.Resume(loaded);
        var state = new FailingAdam(loaded.Handle.TrainableParameters());
        DendriteCheckpoint.LoadOptimizerState(loaded, state);

        resumed.History.Entries.Should().HaveCount(6, "the checkpoint at the path is still the 6th epoch's");
        TensorAssert.Identical(fresh.parameters().First(), atSave, "with the 6th epoch's weights");
        ((Adam.State)state.state_dict().State[0]).step.Should().Be(6 * StepsPerEpoch, "and the 6th epoch's optimizer state, saved in the same file");
        File.Exists(path + ".best.new").Should().BeFalse();
    }

    [Test]
    public void SaveCheckpoint_OptimizerOverAnotherModelsParameters_ThrowsAndLeavesNoFile()
    {
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { Patience = 50 });
        var optimizer = torch.optim.Adam(handle.TrainableParameters(), 0.01);
        Train(model, optimizer);
        scheduler.Step(1);
        var path = Temp.File("run.dndt");
        var foreign = torch.optim.Adam(TestModels.TanhMlp().parameters(), 0.01);

        var save = () => scheduler.SaveCheckpoint(path, optimizer: foreign);

        save.Should().Throw<ArgumentException>().WithMessage("*not one of the model's*");
        Directory.GetFiles(Temp.Path).Should().BeEmpty("neither the checkpoint nor its best weights are written");
    }

    [TestCase(false, 3 + StepsPerEpoch)]
    [TestCase(true, StepsPerEpoch)]
    public void Fit_AfterResume_ContinuesTheSavedOptimizerStateUnlessAStepCameFirst(bool stepFirst, long expectedSteps)
    {
        var model = TestModels.TanhMlp();
        Func<GrowthDecision, torch.optim.Optimizer> factory = d => torch.optim.Adam(d.TrainableParameters, d.LearningRate ?? 0.01);
        var scheduler = new GrowthScheduler(Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 }), new GrowthOptions { Patience = 50 });
        var path = Temp.File("fit.dndt");
        scheduler.Fit(1, factory, (_, o) => { for (var i = 0; i < 3; i++) { QuickTraining.SquareOutputStep(model, o); } }, e => e);
        scheduler.SaveCheckpoint(path, optimizer: scheduler.Optimizer);

        var fresh = TestModels.TanhMlp();
        var loaded = DendriteCheckpoint.Load(fresh, path);
        var resumed = GrowthScheduler.Resume(loaded);
        if (stepFirst)
        {
            // Training went on outside Fit: the saved state is out of date, and Fit's first optimizer starts afresh.
            resumed.Step(2);
        }

        resumed.Fit(1, factory, (_, o) => Train(fresh, o), e => e);

        ((Adam.State)((Adam)resumed.Optimizer!).state_dict().State[0]).step.Should().Be(expectedSteps);
    }

    private const int StepsPerEpoch = 5;

    private static void Train(Sequential model, torch.optim.Optimizer optimizer)
    {
        for (var i = 0; i < StepsPerEpoch; i++)
        {
            QuickTraining.SquareOutputStep(model, optimizer);
        }
    }

    /// <summary>An Adam whose state cannot be written while <see cref="Fail"/> is set, as a process killed mid-save.</summary>
    private sealed class FailingAdam(IEnumerable<Parameter> parameters) : Adam(parameters, 0.01)
    {
        public bool Fail { get; set; }

        public override StateDictionary state_dict() => Fail ? throw new IOException("injected: the process died here") : base.state_dict();
    }
}
