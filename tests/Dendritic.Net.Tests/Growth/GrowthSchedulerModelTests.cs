using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;
using Dendritic.Testing;
using static Dendritic.Tests.Support.Perturbation;

namespace Dendritic.Tests.Growth;

[TestFixture]
public sealed class GrowthSchedulerModelTests
{
    [SetUp]
    public void Seed() => manual_seed(42);

    private static nn.Module<Tensor, Tensor> Model() =>
        nn.Sequential(("fc1", new DendriteLayer(nn.Linear(3, 4))), ("act", nn.Tanh()), ("fc2", new DendriteLayer(nn.Linear(4, 2))));

    [TestCase(BestWeightsKept.Memory)]
    [TestCase(BestWeightsKept.Disk)]
    public void Step_GrowthThenRevert_RestoresTheWeightsOfTheBestScore(BestWeightsKept storage)
    {
        using var temp = new TempFolder();
        var directory = Path.Combine(temp.Path, "best");
        var model = Model();
        var options = ClassicRules.Options with { Patience = 0, MaxRetries = 0, BestWeightsDirectory = storage == BestWeightsKept.Disk ? directory : null };
        var scheduler = new GrowthScheduler(Dendrites.Adopt(model), options);
        using var input = randn(5, 3);
        scheduler.Step(1.0);
        using var atBest = model.call(input).detach();

        Perturb(model);
        var grown = scheduler.Step(0.5);
        using var afterGrowth = model.call(input).detach();
        Perturb(model);
        var done = scheduler.Step(0.4);
        using var afterRevert = model.call(input).detach();

        grown.Action.Should().Be(GrowthAction.DendritesAdded);
        TensorAssert.Close(afterGrowth, atBest, 1e-6, "growth restores the best weights and new dendrites add zero");
        done.Reason.Should().Be(GrowthReason.RetriesExhausted);
        model.modules().OfType<DendriteLayer>().Should().AllSatisfy(l => l.DendriteCount.Should().Be(0));
        TensorAssert.Identical(afterRevert, atBest, "the revert restores the best weights exactly");
    }

    [Test]
    public void Step_Growth_ReturnsNewParametersRegisteredInTheModel()
    {
        var model = Model();
        var scheduler = new GrowthScheduler(Dendrites.Adopt(model), ClassicRules.Options with { Patience = 0 });
        scheduler.Step(1);

        var decision = scheduler.Step(1);

        var layers = model.modules().OfType<DendriteLayer>().ToList();
        var expected = layers.SelectMany(l => l.Branch.Sets[0].parameters()).ToList();
        decision.NewParameters.Should().HaveCount(expected.Count);
        decision.NewParameters.Zip(expected).Should().AllSatisfy(pair => pair.First.Should().BeSameAs(pair.Second));
        decision.TrainableParameters.Should().HaveCount(model.parameters().Count());
        decision.TrainableParameters.Should().Contain(decision.NewParameters);
    }

    [Test]
    public void GradientTap_RecordsLossGradientWithRespectToLayerOutput()
    {
        var layer = new DendriteLayer(nn.Linear(3, 4), dendrites: 2);
        var observer = new CorrelationObserver();
        layer.Branch.Observer = observer;
        using var input = randn(6, 3);
        using var probe = randn(6, 4);

        var output = layer.call(input);
        (output * probe).sum().backward();
        layer.Branch.Observer = null;

        TensorAssert.Close(observer.Error!, probe, 1e-6);
    }

    [Test]
    public void Correlation_MatchesTheCascadeCorrelationFormula()
    {
        var layer = new DendriteLayer(nn.Conv1d(2, 3, 3), dendrites: 1);
        var observer = new CorrelationObserver();
        layer.Branch.Observer = observer;
        using var input = randn(4, 2, 7);
        using var probe = randn(4, 3, 5);
        var output = layer.call(input);
        (output * probe).sum().backward();
        layer.Branch.Observer = null;

        var s = observer.Correlation()!.item<float>();

        // Patterns are samples × positions; neurons are channels.
        using var a = layer.Branch.Activate(layer.Branch.PreActivations(input)[0]).detach().permute(0, 2, 1).reshape(-1, 3);
        using var e = probe.permute(0, 2, 1).reshape(-1, 3);
        var expected = 0.0;
        for (var j = 0; j < 3; j++)
        {
            var aj = a[.., j].data<float>().ToArray();
            var ej = e[.., j].data<float>().ToArray();
            var (ma, me) = (aj.Average(), ej.Average());
            expected += Math.Abs(aj.Zip(ej, (x, y) => (x - ma) * (y - me)).Sum());
        }

        s.Should().BeApproximately((float)expected, 1e-4f);
    }

    [Test]
    public void TrainCandidates_RaisesCorrelationThenFreezesAndConnects()
    {
        var model = Model();
        var layers = model.modules().OfType<DendriteLayer>().ToList();
        var growth = new WrappedGrowthModel(Dendrites.Adopt(model));
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        growth.AddDendrites();
        var correlations = new List<double>();

        growth.TrainCandidates(() => new[] { nn.functional.mse_loss(model.call(x), y) }, new CascadeCorrelationOptions { MaxEpochs = 30, Patience = 30 }, (_, s) => correlations.Add(s));

        correlations.Should().HaveCount(30);
        correlations[^1].Should().BeGreaterThan(correlations[0] * 1.2);
        foreach (var layer in layers)
        {
            var set = layer.Branch.Sets[0];
            set.Frozen.Should().BeTrue();
            set.OutputScale.requires_grad.Should().BeTrue();
            set.OutputScale.abs().max().item<float>().Should().Be(0, "the candidate's output is connected with u = 0");
            layer.Weight.requires_grad.Should().BeTrue("the hosts train again after the candidate phase");
            layer.Branch.Observer.Should().BeNull();
        }
    }

    [Test]
    public void ImportState_WithSavedWeights_ContinuesExactlyLikeAnUninterruptedRun()
    {
        var straight = Train(stopAfter: null, out var straightCsv);
        var resumed = Train(stopAfter: 9, out var resumedCsv);

        resumed.Should().Equal(straight);
        resumedCsv.Should().Be(straightCsv);
        straight.Should().Contain(s => s.Contains("DendritesAdded", StringComparison.Ordinal), "the run must cross a growth step to mean anything");
    }

    /// <summary>SGD without momentum has no optimizer state, so weights + scheduler state are the whole run state.</summary>
    private static List<string> Train(int? stopAfter, out string csv)
    {
        manual_seed(7);
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        var options = ClassicRules.Options with { Mode = ScoreMode.Minimize, Patience = 1, RelativeThreshold = 0.01, Cooldown = 1 };
        var model = Model();
        var scheduler = new GrowthScheduler(Dendrites.Adopt(model), options);
        var decisions = new List<string>();
        using var temp = new TempFolder();
        var directory = temp.Path;
        for (var epoch = 0; epoch < 24 && !scheduler.IsCompleted; epoch++)
        {
            if (epoch == stopAfter)
            {
                // Stop: save weights, scheduler state and best weights; resume in a fresh model and scheduler.
                var weights = Path.Combine(directory, "model.bin");
                var best = Path.Combine(directory, "best.bin");
                model.save(weights);
                scheduler.SaveBestWeights(best);
                var json = scheduler.ExportState().ToJson();
                var dendrites = scheduler.DendriteCount;
                using var rng = get_rng_state();

                model = Model();
                foreach (var layer in model.modules().OfType<DendriteLayer>())
                {
                    layer.AddDendrites(dendrites);
                }

                model.load(weights);

                // New dendrites are random: a resumed run continues the generator too (a real run would checkpoint it).
                set_rng_state(rng);
                scheduler = new GrowthScheduler(Dendrites.Adopt(model), options);
                scheduler.ImportState(GrowthSchedulerState.FromJson(json));
                scheduler.LoadBestWeights(best);
            }

            // SGD without momentum keeps no optimizer state: weights + scheduler state are the whole run.
            var loss = QuickTraining.SgdStepsThenLoss(model, x, y);

            var d = scheduler.Step(loss);
            decisions.Add($"{d.Validation}:{d.Action}:{d.Reason}:{d.DendriteCount}:{d.Score:R}");
        }

        csv = scheduler.History.ToCsv();
        return decisions;
    }
}
