using System;
using System.Collections.Generic;
using System.Linq;
using Dendritic.Testing;
using Dendritic.Tests.Growth;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Memory;

/// <summary>
/// Model-level operations keep alive exactly the tensors they hand out or the model now holds (its parameters, the
/// scheduler's best-weights copy) and nothing a finalizer would have to free.
/// </summary>
[TestFixture]
public sealed class ModelMemoryTests
{
    [SetUp]
    public void SetUp() => manual_seed(5);

    [TestCase(false)]
    [TestCase(true)]
    public void CaptureWeights_ThenDispose_LeavesNothing(bool toCpu)
    {
        var model = TestModels.Mlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 });
        var entries = model.state_dict().Count;
        WeightSnapshot? snapshot = null;

        var captured = LiveTensors.Added(() => snapshot = handle.CaptureWeights(toCpu));
        var disposed = LiveTensors.Added(() => snapshot!.Dispose());

        captured.Should().Be(entries, "one copy per state-dict entry and no intermediate");
        disposed.Should().Be(-entries);
    }

    [Test]
    public void RestoreWeights_AcrossAGrowth_KeepsOnlyTheModelsParameters()
    {
        var model = TestModels.Mlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        using var snapshot = handle.CaptureWeights();

        var grown = LiveTensors.Added(() => handle.AddDendrites());
        var restored = LiveTensors.Added(() => handle.RestoreWeights(snapshot));
        var regrown = LiveTensors.Added(() => handle.AddDendrites());
        var restoredAgain = LiveTensors.Added(() => handle.RestoreWeights(snapshot));

        grown.Should().BePositive();
        restored.Should().Be(-grown, "restoring removes the added sets and copies in place");
        regrown.Should().Be(grown);
        restoredAgain.Should().Be(-grown);
    }

    [Test]
    public void Report_Repeated_LeavesNothing()
    {
        var model = TestModels.Mlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 2 });
        using var input = randn(2, 4);
        handle.Verify(() => model.call(input));

        var added = LiveTensors.Added(() =>
        {
            for (var i = 0; i < 3; i++)
            {
                handle.Report();
            }
        });

        added.Should().Be(0);
    }

    [Test]
    public void DisableToggle_Repeated_LeavesNothing()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp(), new WrapOptions { InitialDendrites = 1 });

        var added = LiveTensors.Added(() =>
        {
            for (var i = 0; i < 5; i++)
            {
                using (handle.Disable())
                {
                    handle.Enabled.Should().BeFalse();
                }
            }
        });

        added.Should().Be(0);
    }

    [Test]
    public void SchedulerStep_WrappedModel_HoldsOnlyParametersAndTheBestCopy()
    {
        var model = TestModels.Mlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, ClassicRules.Options with { Patience = 1, MaxRetries = 2, MaxDendrites = 3 });

        var actions = RunAndCheck(model, scheduler);

        actions.Should().Contain(GrowthReason.NoImprovement).And.Contain(GrowthReason.Grew).And.Contain(GrowthReason.Retried);
    }

    [Test]
    public void SchedulerStep_LayersWrappedByHand_HoldsOnlyParametersAndTheBestCopy()
    {
        var model = nn.Sequential(("fc1", new DendriteLayer(nn.Linear(4, 6))), ("act", nn.Tanh()), ("fc2", new DendriteLayer(nn.Linear(6, 2))));
        var scheduler = new GrowthScheduler(Dendrites.Adopt(model), ClassicRules.Options with { Patience = 1, MaxRetries = 2, MaxDendrites = 3 });

        var actions = RunAndCheck(model, scheduler);

        actions.Should().Contain(GrowthReason.NoImprovement).And.Contain(GrowthReason.Grew).And.Contain(GrowthReason.Retried);
    }

    /// <summary>
    /// Steps through improvement, no change, growth and reverts. Only the first two scores improve, so the best copy
    /// holds one tensor per state-dict entry of the starting model throughout; every other live tensor must be one of
    /// the model's parameters.
    /// </summary>
    private static List<GrowthReason> RunAndCheck(nn.Module model, GrowthScheduler scheduler)
    {
        var bestCopy = model.state_dict().Count;
        var start = LiveTensors.Count - model.parameters().Count();
        var reasons = new List<GrowthReason>();
        foreach (var score in new[] { 1.0, 2.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5 })
        {
            if (scheduler.IsCompleted)
            {
                break;
            }

            var decision = scheduler.Step(score);
            reasons.Add(decision.Reason);
            var extra = LiveTensors.Count - model.parameters().Count() - start;
            extra.Should().Be(bestCopy, $"after validation {decision.Validation} ({decision.Reason}) only the parameters and the best copy may be alive");
        }

        return reasons;
    }
}
