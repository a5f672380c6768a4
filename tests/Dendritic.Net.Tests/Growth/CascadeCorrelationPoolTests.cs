using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using Dendritic.Tests.Support;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Growth;

[TestFixture]
public sealed class CascadeCorrelationPoolTests
{
    /// <summary>Relative error that float32 accumulation in another order can cause over a few training steps.</summary>
    private const double Float32Tolerance = 1e-4;

    // The recorded checksums below were taken with the initialisation that was the default then.
    private static readonly DendriteOptions HostUniform = new() { Initialization = DendriteInitialization.HostUniform, InitScale = 1.0 };

    [SetUp]
    public void Seed() => manual_seed(42);

    private static nn.Module<Tensor, Tensor> Model() =>
        nn.Sequential(("fc1", new DendriteLayer(nn.Linear(3, 6), HostUniform)), ("act", nn.Tanh()), ("fc2", new DendriteLayer(nn.Linear(6, 2), HostUniform)));

    private static List<DendriteLayer> Layers(nn.Module model) => model.modules().OfType<DendriteLayer>().ToList();

    [Test]
    public void PoolSize_Default_IsOne()
    {
        new CascadeCorrelationOptions().PoolSize.Should().Be(1);
        CascadeCorrelationOptions.Default.PoolSize.Should().Be(1);
    }

    [TestCase(0)]
    [TestCase(-2)]
    public void PoolSize_BelowOne_ThrowsNamingIt(int poolSize)
    {
        var act = () => (ClassicRules.Options with { CascadeCorrelation = new CascadeCorrelationOptions { PoolSize = poolSize } }).Validate();

        act.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal("CascadeCorrelation.PoolSize");
    }

    [Test]
    public void TrainCandidates_PoolSizeOne_GivesTheWeightsOfTheSingleCandidateTrainer()
    {
        var model = Model();
        var layers = Layers(model);
        var growth = new WrappedGrowthModel(Dendrites.Adopt(model));
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        growth.AddDendrites();
        var passes = 0;

        var result = growth.TrainCandidates(() => { passes++; return new[] { nn.functional.mse_loss(model.call(x), y) }; }, new CascadeCorrelationOptions { MaxEpochs = 10, Patience = 10, PoolSize = 1 }, (_, _) => { });

        // Recorded with the trainer as it was before the pool existed (same seed, same data, same options). The
        // weights come from ten float32 Adam steps whose reductions run in an order that depends on the CPU's vector
        // width and the thread count (an AVX-512 machine differs from the AVX2 one that recorded them by ~1e-6), so
        // the comparison allows float32 rounding relative to the value, not a fixed absolute error.
        var checksum = layers.SelectMany(l => l.Branch.Sets[0].parameters()).Sum(p => p.to(float64).mul(arange(p.numel()).reshape(p.shape).to(float64).add(1)).sum().item<double>());
        checksum.Should().BeApproximately(-8.892187409102917, Float32Tolerance * 8.892187409102917);
        result.Correlation.Should().BeApproximately(0.10508554428815842, Float32Tolerance * 0.10508554428815842);
        passes.Should().Be(10, "a single candidate needs no selection pass");
        result.Epochs.Should().Be(10);
        result.LayerCorrelations.Should().HaveCount(2).And.OnlyContain(c => c > 0);
        result.LayerCorrelations.Sum().Should().BeApproximately(result.Correlation, Float32Tolerance * result.Correlation, "the layers' S add up to the last epoch's S");
        result.Covariances.Should().BeEmpty();
        result.BestSingleCandidate.Should().BeNull();
    }

    [Test]
    public void TrainCandidates_PoolOfFour_InstallsPerNeuronTheCandidateWithTheLargestCovariance()
    {
        var model = Model();
        var layers = Layers(model);
        var growth = new WrappedGrowthModel(Dendrites.Adopt(model));
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        growth.AddDendrites();
        using (no_grad())
        {
            // An installed set that contributes, so the candidates' v from it matters and the output depends on it.
            layers.ForEach(l => l.Branch.Sets[0].OutputScale.copy_(randn(l.Spec.OutFeatures)));
        }

        using var before = model.call(x).detach();
        growth.AddDendrites(4);
        Func<IEnumerable<Tensor>> losses = () => new[] { nn.functional.mse_loss(model.call(x), y) };

        var result = growth.TrainCandidates(losses, new CascadeCorrelationOptions { MaxEpochs = 15, Patience = 15, PoolSize = 4 }, (_, _) => { });

        using var after = model.call(x).detach();
        TensorAssert.Close(after, before, 1e-6, "the installed set is connected with u = 0");
        var measured = Reevaluate(model, layers, losses);
        var chosen = new List<int>();
        for (var l = 0; l < layers.Count; l++)
        {
            var branch = layers[l].Branch;
            branch.Count.Should().Be(2, "the pool leaves one new set per layer");
            branch.Sets[^1].Frozen.Should().BeTrue();
            branch.Sets[^1].OutputScale.requires_grad.Should().BeTrue();
            branch.Sets[^1].OutputScale.abs().max().item<float>().Should().Be(0);
            result.Covariances[l].Should().HaveCount(4);
            for (var j = 0; j < layers[l].Spec.OutFeatures; j++)
            {
                var best = result.Covariances[l].Max(c => c[j]);
                measured[l][j].Should().BeApproximately(best, (1e-4 * best) + 1e-7, $"layer {l}, neuron {j}: the installed |cov| is the best candidate's");
                chosen.Add(Array.FindIndex(result.Covariances[l], c => c[j] == best));
            }

            result.LayerCorrelations[l].Should().BeApproximately(measured[l].Sum(), 1e-4 * result.LayerCorrelations[l], $"layer {l}: its S is its installed set's");
        }

        chosen.Should().Contain(c => c > 0, "some neuron takes a later candidate, so its row was copied without the v from earlier candidates");
        result.Correlation.Should().BeApproximately(measured.Sum(m => m.Sum()), 1e-4 * result.Correlation);
        result.BestSingleCandidate.Should().NotBeNull();
        result.Correlation.Should().BeGreaterThanOrEqualTo(result.BestSingleCandidate!.Value);
        result.Epochs.Should().Be(15, "the selection pass is not a training epoch");
    }

    [Test]
    public void Step_CascadeCorrelationPool_AddsOneSetPerLayerAndKeepsTheOutput()
    {
        var model = Model();
        var layers = Layers(model);
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        var logger = new RecordingLogger();
        var options = ClassicRules.Options with { Patience = 0, Training = DendriteTrainingMode.CascadeCorrelation, CascadeCorrelation = new CascadeCorrelationOptions { PoolSize = 4, MaxEpochs = 5 } };
        var scheduler = new GrowthScheduler(Dendrites.Adopt(model, new AdoptOptions { Logger = logger }), options with { CandidateLosses = () => new[] { nn.functional.mse_loss(model.call(x), y) } });
        scheduler.Step(1);
        using var before = model.call(x).detach();

        var grown = scheduler.Step(1);

        using var after = model.call(x).detach();
        grown.Action.Should().Be(GrowthAction.DendritesAdded);
        scheduler.DendriteCount.Should().Be(1);
        layers.Should().AllSatisfy(l => l.DendriteCount.Should().Be(1));
        TensorAssert.Identical(after, before, "u = 0 at connection");
        grown.NewParameters.Should().HaveCount(layers.Count, "only u of each kept set trains after connection");
        grown.NewParameters.Zip(layers.Select(l => l.Branch.Sets[0].OutputScale)).Should().AllSatisfy(pair => pair.First.Should().BeSameAs(pair.Second));
        grown.CandidateCorrelation.Should().BeGreaterThan(0);
        logger.Entries.Should().ContainSingle(e => e.EventId == 3014);
    }

    [TestCase(1)]
    [TestCase(3)]
    public void Step_CascadeCorrelation_LogsTheCandidatePhaseStartAndEndAtInformation(int poolSize)
    {
        var model = Model();
        using var x = randn(64, 3);
        using var y = randn(64, 2);
        var logger = new RecordingLogger();
        // Patience = MaxEpochs: every epoch runs, whatever the values (no early stop that float rounding could move).
        var candidates = new CascadeCorrelationOptions { PoolSize = poolSize, MaxEpochs = 4, Patience = 4 };
        var options = ClassicRules.Options with { Patience = 0, Training = DendriteTrainingMode.CascadeCorrelation, CascadeCorrelation = candidates };
        var scheduler = new GrowthScheduler(Dendrites.Adopt(model, new AdoptOptions { Logger = logger }), options with { CandidateLosses = () => new[] { nn.functional.mse_loss(model.call(x), y) } });
        scheduler.Step(1);
        logger.Entries.Clear();

        var grown = scheduler.Step(1);

        var information = logger.Entries.Where(e => e.Level == LogLevel.Information).ToList();
        information.Select(e => e.EventId).Should().ContainInConsecutiveOrder(poolSize == 1 ? new[] { 3019, 3012, 3005 } : new[] { 3019, 3014, 3012, 3005 });
        information.Single(e => e.EventId == 3019).Message.Should().Be($"Cascade-correlation candidate training started: 2 layer(s), {poolSize} candidate(s) per layer, at most 4 epoch(s) over CandidateLosses (stopping after 4 without improvement).");
        var finished = information.Single(e => e.EventId == 3012).Message;
        finished.Should().MatchRegex(@"^Cascade-correlation candidates trained for 4 epoch\(s\) in [0-9.]+ s to S = .+ \(per layer: [^,]+, [^,]+\); frozen and connected with u = 0\.$");
        var perLayer = Regex.Match(finished, @"per layer: ([^)]*)\)").Groups[1].Value.Split(", ").Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToList();
        perLayer.Should().HaveCount(2).And.OnlyContain(c => c > 0);
        perLayer.Sum().Should().BeApproximately(grown.CandidateCorrelation!.Value, 1e-3 * grown.CandidateCorrelation.Value, "the per-layer values (4 significant digits) add up to the decision's S");
    }

    [Test]
    public void Step_CascadeCorrelationPoolLossesThrow_RemovesEveryCandidate()
    {
        var model = Model();
        var layers = Layers(model);
        using var x = randn(16, 3);
        using var before = model.call(x).detach();
        var calls = 0;
        var options = ClassicRules.Options with { Patience = 0, Training = DendriteTrainingMode.CascadeCorrelation, CascadeCorrelation = new CascadeCorrelationOptions { PoolSize = 4 } };
        var scheduler = new GrowthScheduler(Dendrites.Adopt(model), options with { CandidateLosses = () => ++calls < 3 ? new[] { model.call(x).square().mean() } : throw new InvalidOperationException("data loader failed") });
        scheduler.Step(1);

        var act = () => scheduler.Step(1);

        act.Should().Throw<InvalidOperationException>().WithMessage("data loader failed");
        calls.Should().Be(3, "the delegate failed after the candidates had trained for two passes");
        scheduler.DendriteCount.Should().Be(0);
        layers.Should().AllSatisfy(l => l.Branch.Count.Should().Be(0));
        model.parameters().Should().OnlyContain(p => p.requires_grad, "trainability is restored");
        using var after = model.call(x).detach();
        TensorAssert.Identical(after, before);
    }

    [Test]
    public void Step_CascadeCorrelationPoolOnFakeModel_AddsThePoolAndReportsOneSet()
    {
        var model = new FakeGrowthModel();
        var options = ClassicRules.Options with { Patience = 0, Training = DendriteTrainingMode.CascadeCorrelation, CascadeCorrelation = new CascadeCorrelationOptions { PoolSize = 3 } };
        var scheduler = new GrowthScheduler(model, options with { CandidateLosses = Array.Empty<Tensor> }, null);
        scheduler.Step(1);

        var grown = scheduler.Step(1);

        model.Operations.Should().Equal("restore:0", "add:3", "candidates");
        grown.DendriteCount.Should().Be(1);
        grown.Message.Should().Contain("pool of 3 candidates");
    }

    /// <summary>Per layer and neuron, |cov| of the newest set with the error, measured as the trainer measures it.</summary>
    private static double[][] Reevaluate(nn.Module model, List<DendriteLayer> layers, Func<IEnumerable<Tensor>> losses)
    {
        var observers = layers.Select(_ => new CorrelationObserver()).ToList();
        var sums = layers.Select(l => new double[l.Spec.OutFeatures]).ToArray();
        var trainable = model.parameters().Select(p => p.requires_grad).ToList();
        layers.ForEach(l => l.Branch.Sets[^1].Weight.requires_grad = true);
        for (var i = 0; i < layers.Count; i++)
        {
            layers[i].Branch.Observer = observers[i];
        }

        foreach (var loss in losses())
        {
            loss.backward();
            for (var i = 0; i < layers.Count; i++)
            {
                var values = observers[i].Covariances()![0].to(float64).data<double>().ToArray();
                for (var j = 0; j < values.Length; j++)
                {
                    sums[i][j] += values[j];
                }

                observers[i].Clear();
            }
        }

        layers.ForEach(l => l.Branch.Observer = null);
        model.parameters().Zip(trainable).ToList().ForEach(p => p.First.requires_grad = p.Second);
        return sums;
    }
}
