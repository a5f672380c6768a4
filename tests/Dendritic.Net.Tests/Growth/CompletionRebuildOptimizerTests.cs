using System.Linq;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

/// <summary>
/// <see cref="GrowthDecision.RebuildOptimizer"/> at completion: true exactly when the restore of the best model removed
/// dendrite sets, whose parameters an optimizer built before still holds (a newcomer porting a perforatedai loop that
/// fine-tunes after completion got "Tensor invalid -- empty handle" from the old optimizer's step).
/// </summary>
[TestFixture]
public sealed class CompletionRebuildOptimizerTests
{
    [SetUp]
    public void SeedRandom() => manual_seed(17);

    [Test]
    public void Step_CompletionThatRemovedSets_SaysRebuildOptimizerWithTheModelsParameters()
    {
        // Scores 1, 2, 3, 4 to minimise: grows at 2, retries at 3, and at 4 completes by RetriesExhausted, removing the set.
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, EagerRules(maxRetries: 1));
        var decisions = Enumerable.Range(1, 4).Select(score => scheduler.Step(score)).ToList();

        var completed = decisions[^1];
        completed.IsCompleted.Should().BeTrue();
        completed.Reason.Should().Be(GrowthReason.RetriesExhausted);
        handle.DendriteCount.Should().Be(0);
        completed.RebuildOptimizer.Should().BeTrue();
        completed.TrainableParameters.Should().Equal(handle.TrainableParameters());
    }

    [Test]
    public void Step_CompletionThatRemovedSets_AnOptimizerFromItsParametersTrainsOn()
    {
        // Fine-tuning the best model after completion, as the decision says: rebuild, then step.
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, EagerRules(maxRetries: 1));
        GrowthDecision completed = null!;
        foreach (var score in new double[] { 1, 2, 3, 4 })
        {
            completed = scheduler.Step(score);
        }

        using var optimizer = optim.Adam(completed.TrainableParameters, 0.01);
        var before = handle.TrainableParameters()[0].detach().clone();

        QuickTraining.SquareOutputStep(model, optimizer);

        (handle.TrainableParameters()[0].detach() - before).abs().max().item<float>().Should().BeGreaterThan(0, "the rebuilt optimizer updates the model's parameters");
    }

    [Test]
    public void Step_CompletionThatKeptTheSets_DoesNotSayRebuildOptimizer()
    {
        // Scores 5, 5, 4, 4 to minimise with at most one set: grows at the second, the set earns the best at the third,
        // and the fourth completes by MaxDendritesReached with that best model, its set kept: nothing removed.
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 0 });
        var scheduler = new GrowthScheduler(handle, EagerRules(maxRetries: 1) with { MaxDendrites = 1 });
        var decisions = new double[] { 5, 5, 4, 4 }.Select(score => scheduler.Step(score)).ToList();

        var completed = decisions[^1];
        decisions[1].Action.Should().Be(GrowthAction.DendritesAdded);
        completed.IsCompleted.Should().BeTrue();
        completed.Reason.Should().Be(GrowthReason.MaxDendritesReached);
        handle.DendriteCount.Should().Be(1);
        completed.RebuildOptimizer.Should().BeFalse();
    }

    private static GrowthOptions EagerRules(int maxRetries) => new()
    {
        Mode = ScoreMode.Minimize,
        PlateauAtPatience = false,
        PatienceAgainstCycleBest = false,
        FirstScoreIsBest = true,
        Patience = 0,
        MaxRetries = maxRetries,
    };
}
