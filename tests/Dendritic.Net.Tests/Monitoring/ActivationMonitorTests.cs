using System;
using System.Linq;
using Dendritic.Tests.Growth;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Monitoring;

[TestFixture]
public sealed class ActivationMonitorTests
{
    [SetUp]
    public void Seed() => manual_seed(11);

    [TestCase(DendriteActivation.Sigmoid, 0.01, 0.99)]
    [TestCase(DendriteActivation.Tanh, -0.98, 0.98)]
    [TestCase(DendriteActivation.HardSigmoid, 0.0, 1.0)]
    public void Collect_OneLayer_MatchesStatisticsComputedDirectly(DendriteActivation activation, double low, double high)
    {
        var (model, handle) = OneLayer(activation, scale: 3.0);
        var x = randn(64, 4);
        using var monitor = handle.MonitorActivations();

        model.call(x);
        var stats = monitor.Collect().Single();

        var set = handle.Layers[0].Branch.Sets[0];
        var a = (activation switch
        {
            DendriteActivation.Tanh => nn.functional.linear(x, set.Weight, set.Bias).tanh(),
            DendriteActivation.HardSigmoid => nn.functional.hardsigmoid(nn.functional.linear(x, set.Weight, set.Bias)),
            _ => nn.functional.linear(x, set.Weight, set.Bias).sigmoid(),
        }).to(float64);
        var saturated = a.le(low).logical_or(a.ge(high)).to(float64).mean().ToDouble();
        stats.Layer.Should().Be("fc");
        stats.DendriteCount.Should().Be(1);
        stats.Activations.Should().Be(64 * 3);
        stats.MeanAbsActivation.Should().BeApproximately(a.abs().mean().ToDouble(), 1e-6);
        stats.SaturatedFraction.Should().BeApproximately(saturated, 1e-12);
        saturated.Should().BeGreaterThan(0, "the large weights saturate some outputs, so the share is really tested");
        stats.MeanAbsOutputScale.Should().BeApproximately(set.OutputScale.abs().mean().ToDouble(), 1e-6);
        stats.GradientNorm.Should().BeNull("no gradients were recorded");
    }

    // Every path the cascade takes (in place or allocating; fused or separate; with or without gradients) records the same.
    [TestCase(DendriteProjection.Separate, true)]
    [TestCase(DendriteProjection.Separate, false)]
    [TestCase(DendriteProjection.Fused, true)]
    [TestCase(DendriteProjection.FusedWithHost, true)]
    [TestCase(DendriteProjection.FusedWithHost, false)]
    public void Collect_EveryProjectionPath_GivesTheSameStatistics(DendriteProjection projection, bool grad)
    {
        var (model, handle) = OneLayer(DendriteActivation.Sigmoid, scale: 2.0, projection: projection, sets: 3);
        var x = randn(32, 4);
        using var monitor = handle.MonitorActivations();
        using (var mode = grad ? enable_grad() : no_grad())
        {
            model.call(x);
        }

        var stats = monitor.Collect().Single();
        var reference = Reference(handle, x);

        stats.Activations.Should().Be(32 * 3 * 3);
        stats.MeanAbsActivation.Should().BeApproximately(reference.MeanAbs, 1e-6);
        stats.SaturatedFraction.Should().BeApproximately(reference.Saturated, 1.5 / (32 * 9), "fused kernels round differently: one output may cross a bound");
    }

    [Test]
    public void Collect_SecondCallWithoutForward_StartsANewEmptyWindow()
    {
        var (model, handle) = OneLayer(DendriteActivation.Sigmoid);
        using var monitor = handle.MonitorActivations();
        model.call(randn(8, 4));
        monitor.Collect();

        var stats = monitor.Collect().Single();

        stats.Activations.Should().Be(0);
        stats.MeanAbsActivation.Should().BeNull();
        stats.SaturatedFraction.Should().BeNull();
        stats.MeanAbsOutputScale.Should().NotBeNull("u is read at collection time, not accumulated");
    }

    [Test]
    public void Enabled_False_RecordsNothingAndTheOutputIsUnchanged()
    {
        var (model, handle) = OneLayer(DendriteActivation.Sigmoid);
        var x = randn(16, 4);
        var plain = model.call(x).detach().clone();
        using var monitor = handle.MonitorActivations();

        var monitored = model.call(x).detach().clone();
        monitor.Enabled = false;
        model.call(x);
        var stats = monitor.Collect().Single();

        monitored.equal(plain).all().item<bool>().Should().BeTrue("monitoring only reads the activations");
        stats.Activations.Should().Be(16 * 3, "only the pass while enabled counts");
    }

    [Test]
    public void RecordGradients_TwoSteps_AveragesTheDendriteGradientNorms()
    {
        var (model, handle) = OneLayer(DendriteActivation.Sigmoid);
        using var monitor = handle.MonitorActivations();
        var norms = new double[2];
        for (var step = 0; step < 2; step++)
        {
            model.zero_grad();
            model.call(randn(8, 4)).square().sum().backward();
            monitor.RecordGradients();
            norms[step] = Math.Sqrt(handle.DendriteParameters().Sum(p => p.grad!.square().sum().ToDouble()));
        }

        var stats = monitor.Collect().Single();

        stats.GradientSteps.Should().Be(2);
        stats.GradientNorm.Should().BeApproximately(norms.Average(), 1e-5 * norms.Average());
    }

    [Test]
    public void Collect_SaturationAboveTheLevel_LogsWarning1200NamingTheLayer()
    {
        var logger = new RecordingLogger();
        var (model, handle) = OneLayer(DendriteActivation.HardSigmoid, scale: 50.0, logger);
        using var monitor = handle.MonitorActivations(new ActivationMonitorOptions { SaturationWarningLevel = 0.1 });
        model.call(randn(32, 4));

        monitor.Collect();

        logger.Entries.Should().ContainSingle(e => e.EventId == 1200)
            .Which.Should().Match<(int EventId, LogLevel Level, string Message)>(e => e.Level == LogLevel.Warning && e.Message.Contains("fc", StringComparison.Ordinal));
    }

    [Test]
    public void MonitorActivations_Twice_ThrowsUntilTheFirstIsDisposed()
    {
        var (_, handle) = OneLayer(DendriteActivation.Sigmoid);
        var first = handle.MonitorActivations();

        var second = () => handle.MonitorActivations();

        second.Should().Throw<InvalidOperationException>().WithMessage("*already has an activation monitor*");
        first.Dispose();
        handle.ActivationMonitor.Should().BeNull();
        using var third = handle.MonitorActivations();
        handle.ActivationMonitor.Should().BeSameAs(third);
    }

    [Test]
    public void Unwrap_WithAMonitor_DisposesIt()
    {
        var (_, handle) = OneLayer(DendriteActivation.Sigmoid);
        var monitor = handle.MonitorActivations();

        handle.Unwrap();

        var collect = () => monitor.Collect();
        collect.Should().Throw<ObjectDisposedException>();
    }

    [Test]
    public void Validate_LevelAboveOne_ReportsTheOption()
    {
        var options = new ActivationMonitorOptions { SaturationWarningLevel = 1.5 };

        var validate = () => options.Validate();

        validate.Should().Throw<InvalidOptionsException>().Which.OptionNames.Should().Equal(nameof(ActivationMonitorOptions.SaturationWarningLevel));
    }

    internal static (nn.Module<Tensor, Tensor> Model, DendriticModel Handle) OneLayer(DendriteActivation activation, double scale = 1.0, ILogger? logger = null, DendriteProjection projection = DendriteProjection.Auto, int sets = 1)
    {
        var model = nn.Sequential(("fc", nn.Linear(4, 3)));
        var handle = Dendrites.Wrap(model, new WrapOptions
        {
            InitialDendrites = sets,
            Dendrite = new DendriteOptions { Activation = activation, Projection = projection },
            Logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance,
        });
        using (no_grad())
        {
            foreach (var set in handle.Layers[0].Branch.Sets)
            {
                set.Weight.normal_(0, scale);
                set.OutputScale.uniform_(-0.5, 0.5);
                set.CascadeWeights?.uniform_(-1, 1);
            }
        }

        return (model, handle);
    }

    // The cascade computed by hand: a_k = sigmoid(D_k x + b_k + sum_i v_k,i a_i).
    private static (double MeanAbs, double Saturated) Reference(DendriticModel handle, Tensor x)
    {
        using var noGrad = no_grad();
        var outputs = new System.Collections.Generic.List<Tensor>();
        foreach (var set in handle.Layers[0].Branch.Sets)
        {
            var pre = nn.functional.linear(x, set.Weight, set.Bias);
            for (var i = 0; i < outputs.Count; i++)
            {
                pre = pre + (set.CascadeWeights![i] * outputs[i]);
            }

            outputs.Add(pre.sigmoid());
        }

        var all = cat(outputs.ToArray(), 0).to(float64);
        return (all.abs().mean().ToDouble(), all.le(0.01).logical_or(all.ge(0.99)).to(float64).mean().ToDouble());
    }
}
