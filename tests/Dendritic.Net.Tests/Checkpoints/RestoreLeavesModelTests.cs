using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;
using Dendritic.Testing;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// A checkpoint or snapshot that does not fit a wrapped model is refused before the model changes: before, the
/// dendrite counts were adjusted first and the mismatch found afterwards, so a foreign file deleted trained sets or
/// made the model build sets sized from the file's own (false) description of its hosts.
/// </summary>
[TestFixture]
public sealed class RestoreLeavesModelTests : TempFolderTest
{
    [SetUp]
    public void SeedRandom() => manual_seed(11);

    [Test]
    public void Restore_CheckpointOfAWiderModel_ThrowsAndLeavesSetsAndWeights()
    {
        var path = Save(TestModels.Mlp(4, 8, 3), sets: 2);
        var (handle, before) = Trained(TestModels.Mlp(4, 16, 3), sets: 1);

        var act = () => DendriteCheckpoint.Restore(handle, path);

        act.Should().Throw<CheckpointMismatchException>().WithMessage("*Layer 'fc1' differs*");
        ShouldBeUnchanged(handle, before, sets: 1);
    }

    [Test]
    public void Restore_CheckpointOfOtherLayers_NamesOnlyTheDifferenceWithTheFilesNamesBounded()
    {
        // A file's layer names are its own: a manifest may carry thousands, or one of megabytes, and none is quoted whole.
        var path = Save(TestModels.Mlp(4, 8, 3), sets: 1);
        CheckpointForge.Rewrite(path, m => m["layers"]![1]!["name"] = new string('x', 100_000));
        var (handle, before) = Trained(TestModels.Mlp(4, 8, 3), sets: 1);

        var act = () => DendriteCheckpoint.Restore(handle, path);

        var message = act.Should().Throw<CheckpointMismatchException>().Which.Message;
        message.Should().Contain($"has dendrites on '{new string('x', 256)}...', which the model's handle has not, and none on 'fc2', which the model's handle has");
        message.Length.Should().BeLessThan(1_000);
        ShouldBeUnchanged(handle, before, sets: 1);
    }

    [Test]
    public void Restore_ForeignCheckpointWithFewerSets_KeepsTheTrainedSets()
    {
        var path = Save(TestModels.Mlp(4, 16, 3), sets: 1);
        var (handle, before) = Trained(TestModels.Mlp(4, 8, 3), sets: 4);

        var act = () => DendriteCheckpoint.Restore(handle, path);

        act.Should().Throw<CheckpointMismatchException>();
        ShouldBeUnchanged(handle, before, sets: 4);
    }

    [Test]
    public void Restore_ManifestDescribingTinyHostsWithManySets_ThrowsBeforeBuildingThem()
    {
        // The file's hosts are 1 x 1, so 1024 sets of them "fit" its few weights; the model's hosts are far larger.
        var path = Save(TestModels.Mlp(4, 8, 3), sets: 0);
        CheckpointForge.Rewrite(path, m =>
        {
            foreach (var layer in m["layers"]!.AsArray())
            {
                layer!["dendrites"] = 1024;
                layer["host"]!["inFeatures"] = 1;
                layer["host"]!["outFeatures"] = 1;
            }
        });
        var (handle, before) = Trained(TestModels.Mlp(4, 8, 3), sets: 1);

        var act = () => DendriteCheckpoint.Restore(handle, path);

        act.Should().Throw<DendriticException>();
        ShouldBeUnchanged(handle, before, sets: 1);
    }

    [Test]
    public void Restore_SameLayersOtherDtype_ThrowsNamingTheDtypesAndLeavesTheModel()
    {
        var model = TestModels.Mlp();
        model.to(float64);
        var saved = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 });
        var path = Path.Combine(Temp.Path, "f64.dndt");
        DendriteCheckpoint.Save(saved, path);
        var (handle, before) = Trained(TestModels.Mlp(), sets: 1);

        var act = () => DendriteCheckpoint.Restore(handle, path);

        act.Should().Throw<CheckpointMismatchException>().WithMessage("*is F64 in checkpoint*but F32 in the model*");
        ShouldBeUnchanged(handle, before, sets: 1);
    }

    [Test]
    public void Restore_FittingCheckpointWithMoreSets_GrowsToItAndCopiesEveryWeight()
    {
        var (saved, _) = Trained(TestModels.Mlp(), sets: 3);
        var path = Path.Combine(Temp.Path, "three.dndt");
        DendriteCheckpoint.Save(saved, path);
        var (handle, _) = Trained(TestModels.Mlp(), sets: 0);

        DendriteCheckpoint.Restore(handle, path);

        ShouldBeUnchanged(handle, Copy(saved), sets: 3);
    }

    [Test]
    public void RestoreWeights_SnapshotOfAnotherModel_ThrowsAndKeepsTheTrainedSets()
    {
        var (other, _) = Trained(TestModels.Mlp(4, 16, 3), sets: 1);
        using var snapshot = other.CaptureWeights();
        var (handle, before) = Trained(TestModels.Mlp(4, 8, 3), sets: 3);

        var act = () => handle.RestoreWeights(snapshot);

        act.Should().Throw<System.ArgumentException>().WithMessage("*shape*");
        ShouldBeUnchanged(handle, before, sets: 3);
    }

    [Test]
    public void Step_RetryWhoseBestWeightsOnDiskAreAnotherModels_ThrowsAndKeepsTheSets()
    {
        // Before, the retry removed the grown sets first and found out only then that the file did not fit.
        var directory = Path.Combine(Temp.Path, "best");
        var (handle, _) = Trained(TestModels.Mlp(4, 8, 3), sets: 0);
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { BestWeightsDirectory = directory, Patience = 1, FirstScoreIsBest = true });
        scheduler.Step(1.0);
        scheduler.Step(0.5).Action.Should().Be(GrowthAction.DendritesAdded);
        var foreign = Save(TestModels.Mlp(4, 16, 3), sets: 0);
        File.Copy(foreign, Directory.GetFiles(directory).Single(), overwrite: true);
        var before = Copy(handle);

        var act = () =>
        {
            for (var i = 0; i < 3; i++)
            {
                scheduler.Step(0.5);
            }
        };

        act.Should().Throw<CheckpointMismatchException>();
        ShouldBeUnchanged(handle, before, sets: 1);
    }

    [Test]
    public void Restore_ModuleHostWhoseSetsKeptAnotherDtype_ThrowsAndLeavesTheModel()
    {
        // The host moved to float64 while its hooked sets stayed float32: new sets would be built in float64.
        var saved = ModuleHostModels.NormMlp();
        var savedHandle = Dendrites.Wrap(saved, new WrapOptions { Targets = LayerSelector.Named("norm"), InitialDendrites = 2 });
        saved.to(float64);
        var path = Path.Combine(Temp.Path, "norm.dndt");
        DendriteCheckpoint.Save(savedHandle, path);
        var model = ModuleHostModels.NormMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { Targets = LayerSelector.Named("norm"), InitialDendrites = 1 });
        model.to(float64);
        var before = Copy(handle);

        var act = () => DendriteCheckpoint.Restore(handle, path);

        act.Should().Throw<CheckpointMismatchException>();
        ShouldBeUnchanged(handle, before, sets: 1);
    }

    [Test]
    public void Restore_CopyFactoryFailingHalfway_RemovesTheSetsItAdded()
    {
        var saved = ModuleHostModels.BlockMlp();
        var savedHandle = Dendrites.Wrap(saved, new WrapOptions { Targets = LayerSelector.Named("block"), ModuleHosts = new[] { ModuleHostModels.BlockHost }, InitialDendrites = 3 });
        var path = Path.Combine(Temp.Path, "block.dndt");
        DendriteCheckpoint.Save(savedHandle, path);
        var calls = 0;
        var failing = ModuleHost.For<Block>(b => ++calls == 3 ? throw new InvalidOperationException("out of memory") : new Block(b.In, b.Out), b => b.Out);
        var handle = Dendrites.Wrap(ModuleHostModels.BlockMlp(), new WrapOptions { Targets = LayerSelector.Named("block"), ModuleHosts = new[] { failing }, InitialDendrites = 0 });
        var before = Copy(handle);

        var act = () => DendriteCheckpoint.Restore(handle, path);

        act.Should().Throw<InvalidOperationException>().WithMessage("out of memory");
        ShouldBeUnchanged(handle, before, sets: 0);
    }

    private string Save(nn.Module model, int sets)
    {
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = sets });
        var path = Path.Combine(Temp.Path, $"saved-{sets}.dndt");
        DendriteCheckpoint.Save(handle, path);
        return path;
    }

    // A wrapped model with non-zero u and v, as training leaves them, and a copy of its state.
    private static (DendriticModel Handle, Dictionary<string, Tensor> State) Trained(nn.Module model, int sets)
    {
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = sets });
        using (no_grad())
        {
            foreach (var (_, tensor) in model.state_dict())
            {
                tensor.uniform_(-1, 1);
            }
        }

        return (handle, Copy(handle));
    }

    private static Dictionary<string, Tensor> Copy(DendriticModel handle) =>
        handle.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    private static void ShouldBeUnchanged(DendriticModel handle, Dictionary<string, Tensor> before, int sets)
    {
        handle.Layers.Select(l => l.DendriteCount).Should().AllBeEquivalentTo(sets);
        var state = handle.Model.state_dict();
        state.Keys.Should().BeEquivalentTo(before.Keys);
        foreach (var (key, tensor) in state)
        {
            tensor.equal(before[key]).all().item<bool>().Should().BeTrue($"'{key}' must keep its values");
        }
    }

    [Test]
    public void Load_SampleCheckRefusesTheSample_LeavesTheFreshModelsWeightsAndWhatTrains()
    {
        // Found in a review: the weights and the frozen flags were applied before the check pass, so a wrong sample
        // left the unwrapped model with the checkpoint's weights and its base parameters frozen.
        var handle = Dendrites.Wrap(TestModels.Mlp());
        handle.SetBaseTrainable(false);
        var path = Temp.File("frozen.dndt");
        DendriteCheckpoint.Save(handle, path);
        var fresh = TestModels.Mlp();
        var before = fresh.named_parameters().ToDictionary(p => p.name, p => (Value: p.parameter.detach().clone(), Trains: p.parameter.requires_grad));
        using var wrongSample = randn(2, 7);

        var act = () => DendriteCheckpoint.Load(fresh, path, sampleInput: wrongSample);

        act.Should().Throw<DendriteWrapException>().WithMessage("*the model is left unwrapped, its weights and which of them train as they were*");
        Dendrites.HasHandle(fresh).Should().BeFalse();
        fresh.named_parameters().Select(p => p.name).Should().BeEquivalentTo(before.Keys);
        foreach (var (name, parameter) in fresh.named_parameters())
        {
            parameter.requires_grad.Should().Be(before[name].Trains, name);
            TensorAssert.Identical(parameter, before[name].Value, name);
        }
    }
}
