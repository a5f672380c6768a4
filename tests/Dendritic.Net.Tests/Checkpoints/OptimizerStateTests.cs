using System;
using System.IO;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Dendritic.Testing;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// The optimizer state saved inside a checkpoint (<see cref="DendriteCheckpoint.Save"/> with an optimizer) and
/// <see cref="DendriteCheckpoint.LoadOptimizerState"/>: the state goes on exactly, and a state that is not the loaded
/// weights' (another save), an optimizer over other parameters or of another type, and a damaged state are refused
/// with typed errors before TorchSharp reads a byte into the optimizer.
/// </summary>
[TestFixture]
public sealed class OptimizerStateTests : TempFolderTest
{
    [SetUp]
    public void SeedRandom() => manual_seed(5);

    [Test]
    public void LoadOptimizerState_FromTheSameSave_GoesOnAsTheSavedOptimizerWould()
    {
        var (model, handle, optimizer) = Trained(steps: 3);
        var path = Temp.File("run.dndt");
        DendriteCheckpoint.Save(handle, path, optimizer: optimizer);
        var fresh = TestModels.TanhMlp();
        var loaded = DendriteCheckpoint.Load(fresh, path);
        var resumed = torch.optim.Adam(loaded.Handle.TrainableParameters(), 0.5);

        DendriteCheckpoint.LoadOptimizerState(loaded, resumed);

        resumed.ParamGroups.First().LearningRate.Should().Be(0.01, "the learning rate comes back with the state");
        ((Adam.State)resumed.state_dict().State[0]).step.Should().Be(3);
        QuickTraining.SquareOutputStep(model, optimizer);
        QuickTraining.SquareOutputStep(fresh, resumed);
        TensorAssert.CloseParameters(fresh, model, 1e-6, "the moments and step counts went on as saved");
    }

    [Test]
    public void LoadOptimizerState_FileReplacedByALaterSave_ThrowsMismatchAndLoadsNothing()
    {
        var (model, handle, optimizer) = Trained(steps: 2);
        var path = Temp.File("run.dndt");
        DendriteCheckpoint.Save(handle, path, optimizer: optimizer);
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);
        QuickTraining.SquareOutputStep(model, optimizer);
        DendriteCheckpoint.Save(handle, path, optimizer: optimizer);
        var resumed = torch.optim.Adam(loaded.Handle.TrainableParameters(), 0.5);

        var act = () => DendriteCheckpoint.LoadOptimizerState(loaded, resumed);

        act.Should().Throw<CheckpointMismatchException>().WithMessage($"'{path}' was replaced since DendriteCheckpoint.Load read it*its optimizer state is not the one that trained the loaded weights*");
        resumed.ParamGroups.First().LearningRate.Should().Be(0.5);
        ((Adam.State)resumed.state_dict().State[0]).step.Should().Be(0, "nothing was read into the optimizer");
    }

    [Test]
    public void LoadOptimizerState_OptimizerOverMoreParameters_ThrowsMismatchNamingThemBeforeReading()
    {
        var (_, handle, _) = Trained(steps: 0);
        handle.SetBaseTrainable(false);
        var optimizer = torch.optim.Adam(handle.TrainableParameters(), 0.01);
        var path = Temp.File("run.dndt");
        DendriteCheckpoint.Save(handle, path, optimizer: optimizer);
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);
        loaded.Handle.SetBaseTrainable(true);
        var resumed = torch.optim.Adam(loaded.Handle.TrainableParameters(), 0.5);

        var act = () => DendriteCheckpoint.LoadOptimizerState(loaded, resumed);

        act.Should().Throw<CheckpointMismatchException>().WithMessage("*state of an optimizer over 6 parameter(s) in group 0, but the optimizer given has 10 there: it also holds 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', which did not train in the saved run*TrainableParameters()*");
        ((Adam.State)resumed.state_dict().State[0]).step.Should().Be(0);
    }

    [Test]
    public void LoadOptimizerState_SameParametersInAnotherOrder_ThrowsMismatchNamingThePosition()
    {
        var (_, handle, optimizer) = Trained(steps: 1);
        var path = Temp.File("run.dndt");
        DendriteCheckpoint.Save(handle, path, optimizer: optimizer);
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);
        var resumed = torch.optim.Adam(loaded.Handle.TrainableParameters().Reverse(), 0.5);

        var act = () => DendriteCheckpoint.LoadOptimizerState(loaded, resumed);

        act.Should().Throw<CheckpointMismatchException>().WithMessage("*the same ones in another order (position 0:*loads optimizer state by position*");
    }

    [Test]
    public void LoadOptimizerState_OtherOptimizerType_ThrowsMismatchNamingBoth()
    {
        var (_, handle, optimizer) = Trained(steps: 1);
        var path = Temp.File("run.dndt");
        DendriteCheckpoint.Save(handle, path, optimizer: optimizer);
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);
        var sgd = torch.optim.SGD(loaded.Handle.TrainableParameters(), 0.1);

        var act = () => DendriteCheckpoint.LoadOptimizerState(loaded, sgd);

        act.Should().Throw<CheckpointMismatchException>().WithMessage("*holds the state of a TorchSharp.Modules.Adam, but the optimizer given is a TorchSharp.Modules.SGD*");
    }

    [Test]
    public void LoadOptimizerState_CheckpointSavedWithoutOne_ThrowsCheckpointExceptionSayingHowToSaveIt()
    {
        var (_, handle, _) = Trained(steps: 1);
        var path = Temp.File("run.dndt");
        DendriteCheckpoint.Save(handle, path);
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        var act = () => DendriteCheckpoint.LoadOptimizerState(loaded, torch.optim.Adam(loaded.Handle.TrainableParameters()));

        act.Should().Throw<CheckpointException>().WithMessage("*holds no optimizer state*SaveCheckpoint(path, extras, optimizer)*");
        loaded.Manifest.Optimizer.Should().BeNull();
    }

    [Test]
    public void LoadOptimizerState_ChangedByteWithItsCrcRecomputed_ThrowsCorruptedAndLoadsNothing()
    {
        var (_, handle, optimizer) = Trained(steps: 2);
        var path = Temp.File("run.dndt");
        DendriteCheckpoint.Save(handle, path, optimizer: optimizer);
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);
        CheckpointForge.RewriteEntry(path, "optimizer.bin", bytes =>
        {
            bytes[^3] ^= 0x40;
            return bytes;
        });
        var resumed = torch.optim.Adam(loaded.Handle.TrainableParameters(), 0.5);

        var act = () => DendriteCheckpoint.LoadOptimizerState(loaded, resumed);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"*'{path}'*optimizer state does not match the SHA-256 recorded in the manifest field 'optimizer.sha256'*");
        ((Adam.State)resumed.state_dict().State[0]).step.Should().Be(0);
    }

    [Test]
    public void ReadManifest_OptimizerEntryDroppedWithTheChecksumsRewritten_ThrowsCorruptedNamingTheField()
    {
        var (_, handle, optimizer) = Trained(steps: 1);
        var path = Temp.File("run.dndt");
        DendriteCheckpoint.Save(handle, path, optimizer: optimizer);

        // The forge writes the weights, the manifest and a checksums file of their two lines only.
        CheckpointForge.Rewrite(path);

        var act = () => DendriteCheckpoint.ReadManifest(path);
        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*checksums.sha256 and the manifest field 'optimizer.sha256' disagree*");
    }

    [Test]
    public void ReadManifest_OptimizerRecordNamingAParameterTwice_ThrowsCorruptedNamingTheField()
    {
        var (_, handle, optimizer) = Trained(steps: 1);
        var path = Temp.File("run.dndt");
        DendriteCheckpoint.Save(handle, path, optimizer: optimizer);
        CheckpointForge.Rewrite(path, m => m["optimizer"]!["parameterGroups"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonArray("fc1.weight", "fc1.weight")));

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*manifest field 'optimizer.parameterGroups' must hold distinct, non-empty parameter names*");
    }

    [Test]
    public void Save_OptimizerOverAnotherModelsParameters_ThrowsAndKeepsThePreviousFile()
    {
        var (_, handle, optimizer) = Trained(steps: 1);
        var path = Temp.File("run.dndt");
        DendriteCheckpoint.Save(handle, path, optimizer: optimizer);
        var before = File.ReadAllBytes(path);
        var other = torch.optim.Adam(TestModels.TanhMlp().parameters(), 0.01);

        var act = () => DendriteCheckpoint.Save(handle, path, optimizer: other);

        act.Should().Throw<ArgumentException>().WithMessage("The optimizer holds a parameter of shape [4, 3] that is not one of the model's*").Which.ParamName.Should().Be("optimizer");
        File.ReadAllBytes(path).Should().Equal(before);
    }

    [Test]
    public void Load_HostsFrozenWhenSaved_FreezesThemAgainAndLeavesTheRestTrainable()
    {
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1, Targets = LayerSelector.Named("fc1") });
        model.get_parameter("fc2.bias")!.requires_grad = false;
        handle.Layers[0].HostWeight.requires_grad = false;
        var frozenBefore = QuickTraining.ParameterNames(model, trainable: false);
        var path = Temp.File("frozen.dndt");

        var manifest = DendriteCheckpoint.Save(handle, path);
        var fresh = TestModels.TanhMlp();
        var loaded = DendriteCheckpoint.Load(fresh, path);

        manifest.FrozenBaseParameters.Should().HaveCount(2).And.Contain("fc2.bias");
        QuickTraining.ParameterNames(fresh, trainable: false).Should().Equal(frozenBefore);
        loaded.Handle.DendriteParameters().Should().OnlyContain(p => p.requires_grad, "dendrite sets keep their own flags (frozenSets)");
    }

    [Test]
    public void Load_FormatTwoFile_LoadsEveryBaseParameterTrainable()
    {
        var (_, handle, _) = Trained(steps: 0);
        handle.SetBaseTrainable(false);
        var path = Temp.File("old.dndt");
        DendriteCheckpoint.Save(handle, path);
        CheckpointForge.Rewrite(path, m =>
        {
            m["formatVersion"] = 2;
            m.Remove("frozenBaseParameters");
            m.Remove("optimizer");
        });

        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        loaded.Manifest.FrozenBaseParameters.Should().BeEmpty();
        loaded.Handle.BaseParameters().Should().OnlyContain(p => p.requires_grad, "format 2 did not record them: the behaviour of the versions that wrote it");
    }

    [Test]
    public void Load_FormatTwoFileWithAFormatThreeField_ThrowsCorruptedNamingIt()
    {
        var (_, handle, _) = Trained(steps: 0);
        handle.SetBaseTrainable(false);
        var path = Temp.File("old.dndt");
        DendriteCheckpoint.Save(handle, path);
        CheckpointForge.Rewrite(path, m => m["formatVersion"] = 2);

        var act = () => DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*manifest field 'frozenBaseParameters' is recorded from format 3 on*format 2*");
    }

    [Test]
    public void Load_FrozenBaseParameterTheModelDoesNotHave_ThrowsCorruptedAndLeavesTheModelUnwrapped()
    {
        var (_, handle, _) = Trained(steps: 0);
        var path = Temp.File("forged.dndt");
        DendriteCheckpoint.Save(handle, path);
        CheckpointForge.Rewrite(path, m => m["frozenBaseParameters"] = new System.Text.Json.Nodes.JsonArray("fc9.weight"));
        var fresh = TestModels.TanhMlp();

        var act = () => DendriteCheckpoint.Load(fresh, path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*manifest field 'frozenBaseParameters' names 'fc9.weight', which is not a parameter of the model outside its dendrites*");
        Dendrites.HasHandle(fresh).Should().BeFalse();
    }

    [Test]
    public void Restore_IntoAWrappedModel_LeavesWhichBaseParametersTrainAsTheyAre()
    {
        var (_, handle, _) = Trained(steps: 0);
        handle.SetBaseTrainable(false);
        var path = Temp.File("frozen.dndt");
        DendriteCheckpoint.Save(handle, path);
        handle.SetBaseTrainable(true);

        DendriteCheckpoint.Restore(handle, path);

        handle.BaseParameters().Should().OnlyContain(p => p.requires_grad, "trainability is a setting of the run in progress");
    }

    private static (Sequential Model, DendriticModel Handle, Adam Optimizer) Trained(int steps)
    {
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        var optimizer = torch.optim.Adam(handle.TrainableParameters(), 0.01);
        for (var i = 0; i < steps; i++)
        {
            QuickTraining.SquareOutputStep(model, optimizer);
        }

        return (model, handle, optimizer);
    }
}
