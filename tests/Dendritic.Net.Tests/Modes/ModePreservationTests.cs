using System;
using System.IO;
using System.Linq;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Dendritic.Testing;

namespace Dendritic.Tests.Modes;

/// <summary>
/// Every library operation that runs a check pass in eval mode gives each module its own mode back: a BatchNorm kept
/// frozen (eval) inside a training model, as in fine-tuning, stays frozen.
/// </summary>
public sealed class ModePreservationTests : TempFolderTest
{
    [Test]
    public void EvalModeScope_Dispose_RestoresEachModulesOwnMode()
    {
        using var model = FrozenBatchNormModel();
        var scope = EvalModeScope.Enter(model);
        model.modules().Should().OnlyContain(m => !m.training);
        model.training.Should().BeFalse();

        scope.Dispose();
        scope.Dispose();

        AssertFrozenBatchNormInTrainingModel(model);
    }

    [Test]
    public void EvalModeScope_EvalRootWithTrainingChild_RestoresBoth()
    {
        using var model = nn.Sequential(nn.Linear(2, 2), nn.Dropout());
        model.eval();
        model.named_modules().Single(m => m.name == "1").module.train();

        using (EvalModeScope.Enter(model))
        {
            model.modules().Should().OnlyContain(m => !m.training);
        }

        model.training.Should().BeFalse();
        model.named_modules().Single(m => m.name == "1").module.training.Should().BeTrue();
    }

    [Test]
    public void Wrap_WithSampleInput_KeepsFrozenBatchNormFrozen()
    {
        using var model = FrozenBatchNormModel();
        using var sample = randn(2, 3, 8, 8);

        Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 }, sample);

        AssertFrozenBatchNormInTrainingModel(model);
    }

    [Test]
    public void Verify_KeepsFrozenBatchNormFrozen()
    {
        using var model = FrozenBatchNormModel();
        using var sample = randn(2, 3, 8, 8);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });

        handle.Verify(() => model.call(sample));

        AssertFrozenBatchNormInTrainingModel(model);
    }

    [Test]
    public void CheckpointLoad_WithSampleInput_KeepsFrozenBatchNormFrozen()
    {
        torch.manual_seed(5);
        using var trained = FrozenBatchNormModel();
        var path = Path.Combine(Folder, "model.dndt");
        DendriteCheckpoint.Save(Dendrites.Wrap(trained, new WrapOptions { InitialDendrites = 1 }), path);
        using var fresh = FrozenBatchNormModel();
        using var sample = randn(2, 3, 8, 8);

        DendriteCheckpoint.Load(fresh, path, sampleInput: sample);

        AssertFrozenBatchNormInTrainingModel(fresh);
    }

    [TestCase(PruningCriterion.MeasuredEffect)]
    [TestCase(PruningCriterion.OutputScale)]
    public void Prune_WrappedWithValidationBatch_KeepsFrozenBatchNormFrozen(PruningCriterion criterion)
    {
        using var model = FrozenBatchNormModel();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 });
        using var batch = randn(4, 3, 8, 8);

        var options = criterion == PruningCriterion.MeasuredEffect
            ? new PruningOptions { Criterion = criterion, MaxOutputChange = 0.01 }
            : new PruningOptions { Criterion = criterion, MaxOutputScale = 0.01 };
        DendritePruner.Prune(handle, options, batch);

        AssertFrozenBatchNormInTrainingModel(model);
    }

    [Test]
    public void Prune_MeasuredEffect_KeepsFrozenBatchNormFrozen()
    {
        using var model = FrozenBatchNormModel();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 });
        using var batch = randn(4, 3, 8, 8);

        DendritePruner.Prune(handle, new PruningOptions { Criterion = PruningCriterion.MeasuredEffect, MaxOutputChange = 0.01 }, batch);

        AssertFrozenBatchNormInTrainingModel(model);
    }

    /// <summary>A small CNN in training mode whose two BatchNorm2d layers are frozen (eval), as when fine-tuning.</summary>
    internal static Sequential FrozenBatchNormModel()
    {
        var model = nn.Sequential(
            nn.Conv2d(3, 4, 3, padding: 1),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.Sequential(nn.Conv2d(4, 4, 3, padding: 1), nn.BatchNorm2d(4), nn.ReLU()),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(4, 3));
        model.train();
        foreach (var norm in model.modules().OfType<BatchNorm2d>())
        {
            norm.eval();
        }

        return model;
    }

    internal static void AssertFrozenBatchNormInTrainingModel(nn.Module model)
    {
        model.training.Should().BeTrue();
        var norms = model.modules().OfType<BatchNorm2d>().ToList();
        norms.Should().HaveCount(2);
        norms.Should().OnlyContain(n => !n.training, "the BatchNorm layers were frozen before the operation");
        model.modules().Where(m => m is not BatchNorm2d).Should().OnlyContain(m => m.training);
    }
}
