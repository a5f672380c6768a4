using System;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// <see cref="GrowthScheduler.Fit"/> on a model with nothing to train. A review found that a host frozen before any
/// dendrite set (SetBaseTrainable(false) with InitialDendrites 0) handed the optimizer factory an empty list, and the
/// first backward failed with libtorch's bare "element 0 of tensors does not require grad".
/// </summary>
[TestFixture]
public sealed class GrowthFitNothingTrainableTests
{
    [SetUp]
    public void SeedRandom() => manual_seed(5);

    [Test]
    public void Fit_HostFrozenBeforeAnyDendriteSet_ThrowsBeforeTheFirstEpochNamingTheCauseAndTheFix()
    {
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        handle.SetBaseTrainable(false);
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { Patience = 50 });
        var calls = 0;

        var act = () => scheduler.Fit(3, d => { calls++; return optim.Adam(d.TrainableParameters, 0.01); }, (_, o) => { calls++; QuickTraining.SquareOutputStep(model, o); }, _ => { calls++; return 0; });

        act.Should().Throw<InvalidOperationException>()
            .WithMessage("GrowthScheduler.Fit found no trainable parameter in the model, before this call's first epoch*SetBaseTrainable(false)*element 0 of tensors does not require grad*Keep the host trainable until the scheduler has added dendrites*AddDendrites*");
        calls.Should().Be(0, "nothing is built, trained or validated");
        scheduler.Optimizer.Should().BeNull();
        scheduler.History.Entries.Should().BeEmpty();
    }

    [Test]
    public void Fit_HostFrozenWithADendriteSet_TrainsTheDendrites()
    {
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        handle.SetBaseTrainable(false);
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { Patience = 50 });

        var result = scheduler.Fit(2, d => optim.Adam(d.TrainableParameters, 0.01), (_, o) => QuickTraining.SquareOutputStep(model, o), e => e);

        result.Epochs.Should().Be(2);
    }

    [Test]
    public void Fit_HostUnfrozenAfterTheRefusal_Trains()
    {
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        handle.SetBaseTrainable(false);
        var scheduler = new GrowthScheduler(handle, new GrowthOptions { Patience = 50 });
        var refused = () => scheduler.Fit(1, d => optim.Adam(d.TrainableParameters, 0.01), (_, o) => QuickTraining.SquareOutputStep(model, o), e => e);
        refused.Should().Throw<InvalidOperationException>();

        handle.SetBaseTrainable(true);
        var result = scheduler.Fit(1, d => optim.Adam(d.TrainableParameters, 0.01), (_, o) => QuickTraining.SquareOutputStep(model, o), e => e);

        result.Epochs.Should().Be(1);
    }
}
