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

        var set = handle.Layers[0].Dendrites.Sets[0];
        var a = (activation switch
        {
            DendriteActivation.Tanh => nn.functional.linear(x, set.Weight, set.Bias).tanh(),
            DendriteActivation.HardSigmoid => nn.functional.hardsigmoid(nn.functional.linear(x, set.Weight, set.Bias)),
            _ => nn.functional.linear(x, set.Weight, set.Bias).sigmoid(),
        }).to(float64);
        var saturated = a.le(low).logical_or(a.ge(high)).to(float64).mean().ToDouble();
        stats.Layer.Should().Be("fc");
        stats.DendriteSets.Should().Be(1);
        stats.Activations.Should().Be(64 * 3);
        stats.MeanAbsActivation.Should().BeApproximately(a.abs().mean().ToDouble(), 1e-6);
        stats.SaturatedFraction.Should().BeApproximately(saturated, 1e-12);
        saturated.Should().BeGreaterThan(0, "the large weights saturate some outputs, so the share is really tested");
        stats.MeanAbsOutputScale.Should().BeApproximately(set.OutputScale.abs().mean().ToDouble(), 1e-6);
        stats.GradientNorm.Should().BeNull("no gradients were recorded");
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

    internal static (nn.Module<Tensor, Tensor> Model, DendriticModel Handle) OneLayer(DendriteActivation activation, double scale = 1.0, ILogger? logger = null)
    {
        var model = nn.Sequential(("fc", nn.Linear(4, 3)));
        var handle = Dendrites.Wrap(model, new WrapOptions
        {
            InitialDendrites = 1,
            Dendrite = new DendriteOptions { Activation = activation },
            Logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance,
        });
        using (no_grad())
        {
            var set = handle.Layers[0].Dendrites.Sets[0];
            set.Weight.normal_(0, scale);
            set.OutputScale.uniform_(-0.5, 0.5);
        }

        return (model, handle);
    }
}
